//! Files that hold personal data are the owner's only (0600, folders 0700), whatever the
//! process's umask: the database and the files SQLite keeps beside it, backups and their
//! folder, the erased list. SQLite gives its -wal and -shm files the database file's mode.

use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates `path` empty and owner-only if it does not exist, and makes it owner-only if it
/// does.
pub fn file(path: &Path) -> std::io::Result<()> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(false);
    #[cfg(unix)]
    open.mode(0o600);
    drop(open.open(path)?);
    restrict(path, 0o600)
}

/// Makes an existing file owner-only; a missing one is fine.
pub fn existing(path: &Path) -> std::io::Result<()> {
    match restrict(path, 0o600) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Creates the folder (and its parents) owner-only, and makes it so if it exists.
pub fn folder(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(path)?;
    restrict(path, 0o700)
}

/// Opens `path` for appending, creating it owner-only.
pub fn append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut open = std::fs::OpenOptions::new();
    open.append(true).create(true);
    #[cfg(unix)]
    open.mode(0o600);
    open.open(path)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    let now = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if now & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(path: &Path, _mode: u32) -> std::io::Result<()> {
    std::fs::metadata(path).map(|_| ())
}
