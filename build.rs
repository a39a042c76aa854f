//! rust-i18n reads `locales/` inside a macro, which Cargo does not watch: rebuild when a
//! translation changes, so a test never runs against the texts of an older build.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
