//! Uploads waiting for their import: each in a temporary file only the server's user may read,
//! known by a random token to the account that sent it, for an hour at most.

use salescope_app::clock::unix_seconds;
use salescope_core::schema::Kind;
use salescope_import::MappingFile;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// How long an upload waits for its import.
const UPLOAD_SECONDS: i64 = 3600;

/// Uploads waiting to be imported, by token.
#[derive(Default)]
pub(crate) struct Uploads {
    waiting: Mutex<HashMap<String, Upload>>,
}

#[derive(Clone)]
pub(crate) struct Upload {
    pub login: String,
    pub path: PathBuf,
    pub file_name: String,
    pub kind: Kind,
    pub sheet: Option<String>,
    /// The mapping file sent with it, read.
    pub mapping: Option<MappingFile>,
    pub at: i64,
}

/// Where uploads wait for their commit: a folder only the server's user may enter, since a file
/// holds a company's records.
pub(crate) fn upload_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join("salescope-uploads");
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(&dir)?;
        // A folder left by an older version may be open to others: close it.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    builder.create(&dir)?;
    Ok(dir)
}

/// Writes a file only its owner may read.
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// Removes uploads older than their hour, left by a server that was stopped or killed
/// mid-import (what a running server keeps is younger). Called when a server starts.
pub(crate) fn remove_stale_uploads() {
    let Ok(dir) = upload_dir() else { return };
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let hour = std::time::Duration::from_secs(UPLOAD_SECONDS as u64);
    for entry in entries.flatten() {
        let stale = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age > hour));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Uploads {
    pub(crate) fn put(&self, token: &str, upload: Upload) {
        if let Ok(mut waiting) = self.waiting.lock() {
            let now = unix_seconds();
            waiting.retain(|_, u| {
                let keep = now - u.at < UPLOAD_SECONDS;
                if !keep {
                    let _ = std::fs::remove_file(&u.path);
                }
                keep
            });
            waiting.insert(token.to_string(), upload);
        }
    }

    /// The upload of `token`, if it is the account's own.
    pub(crate) fn get(&self, token: &str, login: &str) -> Option<Upload> {
        self.waiting.lock().ok()?.get(token).filter(|u| u.login == login).cloned()
    }

    pub(crate) fn remove(&self, token: &str) {
        if let Some(upload) = self.waiting.lock().ok().and_then(|mut w| w.remove(token)) {
            let _ = std::fs::remove_file(upload.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salescope_app::accounts::new_token;

    #[cfg(unix)]
    #[test]
    fn uploads_wait_in_a_folder_and_files_only_the_server_may_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = upload_dir().expect("folder");
        let path = dir.join(format!("{}.csv", new_token()));
        write_private(&path, b"call_id\nC1\n").expect("write");
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!((mode(&dir), mode(&path)), (0o700, 0o600));
        remove_stale_uploads();
        assert!(path.exists(), "a fresh upload is kept");
        std::fs::remove_file(&path).expect("clean up");
    }
}
