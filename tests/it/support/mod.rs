pub mod fake_telegram;
pub mod harness;
