pub mod fake_telegram;
pub mod harness;
pub mod pdf_text;
