//! One step's writes as a single multi-statement call inside an explicit transaction.
//!
//! sqlx runs each SQLite connection on its own thread and every call is a round trip to it
//! (two thread wake-ups). A step used to cost five of them for its writes; a batch costs one.
//!
//! Statements are written with `$1`..`$9` for readability and sent with plain positional `?`
//! in the order they occur: sqlx numbers positional parameters on across the statements of
//! one query, whereas absolute `?NNN` beyond a statement's first parameter are left unbound.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, SqlitePool};

use super::StoreError;

/// A bound value. Owned, so a batch can run in its own task.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        Value::Int(v)
    }
}

impl From<Option<i32>> for Value {
    fn from(v: Option<i32>) -> Value {
        Value::Int(v.map(i64::from))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Some(v.to_string()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Some(v))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        Value::Text(v)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Value {
        Value::Time(Some(v))
    }
}

impl From<Option<DateTime<Utc>>> for Value {
    fn from(v: Option<DateTime<Utc>>) -> Value {
        Value::Time(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(Some(i64::from(v)))
    }
}

pub(super) struct Batch {
    sql: String,
    values: Vec<Value>,
}

impl Batch {
    pub(super) fn new() -> Batch {
        Batch {
            sql: String::from("BEGIN IMMEDIATE;\n"),
            values: Vec::new(),
        }
    }

    /// Appends one statement; `$n` in `sql` stands for `values[n - 1]` (n = 1..=9).
    pub(super) fn stmt(&mut self, sql: &str, values: &[Value]) {
        let mut chars = sql.trim_end().trim_end_matches(';').chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().and_then(|d| d.to_digit(10))) {
                ('$', Some(n)) if (1..=values.len() as u32).contains(&n) => {
                    chars.next();
                    self.sql.push('?');
                    self.values.push(values[n as usize - 1].clone());
                }
                _ => self.sql.push(c),
            }
        }
        self.sql.push_str(";\n");
    }

    /// Runs the batch and commits. It runs in its own task: should the caller be cancelled
    /// mid-way, the transaction still ends (commit or rollback) before the connection is reused.
    pub(super) async fn commit(mut self, pool: &SqlitePool) -> Result<(), StoreError> {
        self.sql.push_str("COMMIT;");
        let mut args = SqliteArguments::default();
        for value in self.values {
            let added = match value {
                Value::Int(v) => args.add(v),
                Value::Text(v) => args.add(v),
                Value::Time(v) => args.add(v),
            };
            added.map_err(|e| StoreError::Db(sqlx::Error::Encode(e)))?;
        }
        let pool = pool.clone();
        let sql = self.sql;
        let task = tokio::spawn(async move {
            let mut conn = pool.acquire().await?;
            let result = sqlx::query_with(&sql, args).execute(&mut *conn).await;
            if result.is_err() {
                // A failed statement leaves the transaction open on this connection.
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            }
            result.map(|_| ())
        });
        match task.await {
            Ok(result) => Ok(result?),
            Err(e) => {
                tracing::error!(error = %e, "a database write task failed");
                Err(StoreError::Db(sqlx::Error::WorkerCrashed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_positional_in_the_order_they_occur() {
        let mut b = Batch::new();
        b.stmt(
            "UPDATE t SET a = $2, b = $2 WHERE id = $1",
            &[1i64.into(), "x".into()],
        );
        b.stmt(
            "INSERT INTO u VALUES ($1, '$9', $3)",
            &[2i64.into(), 3i64.into(), 4i64.into()],
        );
        assert_eq!(b.sql, "BEGIN IMMEDIATE;\nUPDATE t SET a = ?, b = ? WHERE id = ?;\nINSERT INTO u VALUES (?, '$9', ?);\n");
        assert_eq!(
            b.values,
            [
                Value::from("x"),
                "x".into(),
                1i64.into(),
                2i64.into(),
                4i64.into()
            ]
        );
    }
}
