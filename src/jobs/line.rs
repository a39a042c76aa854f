//! Files are built one at a time per person, in the order asked: an export, then the chart
//! asked for meanwhile, then the plan sheet. A task already waiting is not queued twice (it
//! will arrive), and a person has at most [`WAITING_PER_CHAT`] waiting, so taps cannot pile
//! up work.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::conversation::Task;

/// Long tasks of one chat, running or waiting, at most.
pub const WAITING_PER_CHAT: usize = 3;

/// Work that builds a file: slow, so in line per person.
pub fn is_long(task: &Task) -> bool {
    matches!(
        task,
        Task::Export(_) | Task::Report { .. } | Task::Template | Task::Chart(_)
    )
}

#[derive(Default)]
pub struct Lines {
    chats: Mutex<HashMap<i64, Line>>,
}

struct Line {
    turn: Arc<tokio::sync::Mutex<()>>,
    tasks: Vec<Task>,
}

/// Why a task was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotTaken {
    /// The same file is already being prepared or waiting: it will arrive.
    AlreadyComing,
    /// Too many files are waiting for this person.
    Full,
}

/// A task admitted for a chat. Its place in the line is given up when it is dropped.
pub struct Ticket {
    lines: Arc<Lines>,
    pub chat: i64,
    pub task: Task,
    turn: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl Lines {
    pub fn admit(self: &Arc<Self>, chat: i64, task: Task) -> Result<Ticket, NotTaken> {
        if !is_long(&task) {
            return Ok(Ticket {
                lines: self.clone(),
                chat,
                task,
                turn: None,
            });
        }
        let mut chats = self.chats.lock().unwrap_or_else(|e| e.into_inner());
        let line = chats.entry(chat).or_insert_with(|| Line {
            turn: Arc::default(),
            tasks: Vec::new(),
        });
        if line.tasks.contains(&task) {
            return Err(NotTaken::AlreadyComing);
        }
        if line.tasks.len() >= WAITING_PER_CHAT {
            return Err(NotTaken::Full);
        }
        line.tasks.push(task.clone());
        Ok(Ticket {
            lines: self.clone(),
            chat,
            task,
            turn: Some(line.turn.clone()),
        })
    }
}

impl Ticket {
    /// Waits for this task's turn; the turn is held until the returned guard drops.
    pub async fn turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.turn {
            Some(turn) => Some(turn.clone().lock_owned().await),
            None => None,
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.turn.is_none() {
            return;
        }
        let mut chats = self.lines.chats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(line) = chats.get_mut(&self.chat) {
            if let Some(at) = line.tasks.iter().position(|t| *t == self.task) {
                line.tasks.remove(at);
            }
            if line.tasks.is_empty() {
                chats.remove(&self.chat);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ExportFormat;

    #[test]
    fn a_person_has_a_short_line_without_repeats() {
        let lines = Arc::new(Lines::default());
        let xlsx = lines.admit(1, Task::Export(ExportFormat::Xlsx)).unwrap();
        assert_eq!(
            lines.admit(1, Task::Export(ExportFormat::Xlsx)).err(),
            Some(NotTaken::AlreadyComing)
        );
        let csv = lines.admit(1, Task::Export(ExportFormat::Csv)).unwrap();
        let template = lines.admit(1, Task::Template).unwrap();
        assert_eq!(
            lines.admit(1, Task::Export(ExportFormat::Json)).err(),
            Some(NotTaken::Full)
        );
        // Another person's line is their own; quick work never waits in one.
        assert!(lines.admit(2, Task::Template).is_ok());
        assert!(lines.admit(1, Task::RefreshMenu(5)).is_ok());
        drop(xlsx);
        assert!(lines.admit(1, Task::Export(ExportFormat::Xlsx)).is_ok());
        drop((csv, template));
    }

    #[tokio::test]
    async fn long_tasks_take_turns_in_the_order_admitted() {
        let lines = Arc::new(Lines::default());
        let first = lines.admit(1, Task::Template).unwrap();
        let second = lines.admit(1, Task::Export(ExportFormat::Csv)).unwrap();
        let held = first.turn().await;
        assert!(held.is_some());
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), second.turn());
        assert!(waiting.await.is_err(), "the second waits for the first");
        drop(held);
        assert!(second.turn().await.is_some());
    }
}
