//! Buttons as typed values. The Telegram adapter encodes them; `try` numbers them.

use crate::conversation::Callback;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Callback(Callback),
    Url(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub action: Action,
}

impl Button {
    pub fn cb(label: impl Into<String>, callback: Callback) -> Button {
        Button {
            label: label.into(),
            action: Action::Callback(callback),
        }
    }

    pub fn url(label: impl Into<String>, url: impl Into<String>) -> Button {
        Button {
            label: label.into(),
            action: Action::Url(url.into()),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keyboard {
    pub rows: Vec<Vec<Button>>,
}

impl Keyboard {
    pub fn row(&mut self, row: Vec<Button>) -> &mut Self {
        if !row.is_empty() {
            self.rows.push(row);
        }
        self
    }

    /// Lays buttons out `per_row` to a row.
    pub fn grid(&mut self, buttons: Vec<Button>, per_row: usize) -> &mut Self {
        let mut buttons = buttons.into_iter().peekable();
        while buttons.peek().is_some() {
            let row: Vec<Button> = buttons.by_ref().take(per_row).collect();
            self.rows.push(row);
        }
        self
    }

    pub fn buttons(&self) -> impl Iterator<Item = &Button> {
        self.rows.iter().flatten()
    }
}
