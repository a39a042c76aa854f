//! The few figures a monitor reads: is the database there, how many members and ratings, and
//! where the outbox stands.

use super::{Store, StoreError};

/// The outbox's states, each reported even when no row is in it.
const OUTBOX_STATES: [&str; 6] = [
    "pending",
    "sending",
    "sent",
    "blocked",
    "failed",
    "uncertain",
];

pub struct Figures {
    pub members: i64,
    pub ratings: i64,
    /// Rows by state, every state present.
    pub outbox: Vec<(String, i64)>,
}

impl Store {
    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub async fn figures(&self) -> Result<Figures, StoreError> {
        let (members, ratings): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM members WHERE consent = 'given'),
                    (SELECT count(*) FROM ratings)",
        )
        .fetch_one(&self.reader)
        .await?;
        let counted: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, count(*) FROM outbox GROUP BY state")
                .fetch_all(&self.reader)
                .await?;
        let outbox = OUTBOX_STATES
            .iter()
            .map(|s| {
                let n = counted
                    .iter()
                    .find(|(state, _)| state == s)
                    .map_or(0, |(_, n)| *n);
                (s.to_string(), n)
            })
            .collect();
        Ok(Figures {
            members,
            ratings,
            outbox,
        })
    }
}
