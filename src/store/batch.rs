//! One step's writes as a list of statements, run in one transaction on the writer
//! connection (see `hot`), each prepared once and kept in the connection's statement cache.
//!
//! Statements are written with `$1`..`$9` for readability: `$n` is the statement's n-th value.

use chrono::{DateTime, Utc};
use rusqlite::types::{ToSqlOutput, Value as Sql};
use rusqlite::ToSql;

/// A bound value. Owned, so a batch can be built before the writer is free.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Int(Some(v)) => ToSqlOutput::Owned(Sql::Integer(*v)),
            Value::Text(Some(v)) => ToSqlOutput::Borrowed(v.as_str().into()),
            // Times spelled as sqlx writes them, so SQL compares like with like.
            Value::Time(Some(t)) => ToSqlOutput::Owned(Sql::Text(super::export::text_time(*t))),
            Value::Int(None) | Value::Text(None) | Value::Time(None) => {
                ToSqlOutput::Owned(Sql::Null)
            }
        })
    }
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

#[derive(Default)]
pub(super) struct Batch {
    statements: Vec<(String, Vec<Value>)>,
}

impl Batch {
    pub(super) fn new() -> Batch {
        Batch::default()
    }

    /// Appends one statement; `$n` in `sql` stands for `values[n - 1]` (n = 1..=9).
    pub(super) fn stmt(&mut self, sql: &str, values: &[Value]) {
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.trim_end().trim_end_matches(';').chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().and_then(|d| d.to_digit(10))) {
                ('$', Some(n)) if (1..=values.len() as u32).contains(&n) => {
                    chars.next();
                    out.push('?');
                    out.push(char::from_digit(n, 10).unwrap_or('1'));
                }
                _ => out.push(c),
            }
        }
        self.statements.push((out, values.to_vec()));
    }

    /// Runs the statements in order (inside the caller's transaction).
    pub(super) fn run(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        for (sql, values) in &self.statements {
            conn.prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(values.iter()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_numbered_as_written_and_only_those_given() {
        let mut b = Batch::new();
        b.stmt(
            "UPDATE t SET a = $2, b = $2 WHERE id = $1",
            &[1i64.into(), "x".into()],
        );
        b.stmt(
            "INSERT INTO u VALUES ($1, '$9', $3);",
            &[2i64.into(), 3i64.into(), 4i64.into()],
        );
        assert_eq!(
            b.statements[0].0,
            "UPDATE t SET a = ?2, b = ?2 WHERE id = ?1"
        );
        assert_eq!(b.statements[1].0, "INSERT INTO u VALUES (?1, '$9', ?3)");
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id, a, b); INSERT INTO t VALUES (1, 0, 0);")
            .unwrap();
        conn.execute_batch("CREATE TABLE u (x, y, z)").unwrap();
        b.run(&conn).unwrap();
        let row: (String, i64, String, i64) = conn
            .query_row("SELECT t.a, u.x, u.y, u.z FROM t, u", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert_eq!(row, ("x".into(), 2, "$9".into(), 4));
    }
}
