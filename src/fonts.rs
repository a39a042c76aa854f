//! The fonts bundled into the binary (Noto, OFL: `assets/fonts/OFL.txt`), so that charts and
//! reports look the same whatever fonts the server has, Khmer shaped as Khmer.

pub const KHMER_REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSansKhmer-Regular.ttf");
pub const KHMER_BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSansKhmer-Bold.ttf");
pub const LATIN_REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.ttf");
pub const LATIN_BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSans-Bold.ttf");

/// Every bundled font.
pub const ALL: [&[u8]; 4] = [LATIN_REGULAR, LATIN_BOLD, KHMER_REGULAR, KHMER_BOLD];
