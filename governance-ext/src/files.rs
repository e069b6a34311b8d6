//! Reading the files a caller names (a private key, `okta.yaml`, a campaign definition) under
//! a size limit. The limit holds while reading, not only by the size the file reports: a path
//! to a device (`/dev/zero`), a FIFO or a file that grows while it is read cannot take
//! unbounded memory.

use std::io::Read as _;
use std::path::Path;

use zeroize::Zeroizing;

/// Why a file was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// It could not be opened or read.
    Io(std::io::Error),
    /// It holds more than the limit.
    TooLarge,
    /// It is not UTF-8 text.
    NotText,
}

/// The text of `path`, at most `limit` bytes. The buffer is zeroed when dropped (it may hold
/// a key), and sized once from the file's reported length so that it is not copied while read.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<Zeroizing<String>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let reported = file.metadata().map(|m| m.len()).unwrap_or(0);
    let capacity = usize::try_from(reported.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > limit) {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(std::mem::take(&mut *bytes))
        .map(Zeroizing::new)
        .map_err(|e| {
            // The bytes leave in the error: zero them here too.
            drop(Zeroizing::new(e.into_bytes()));
            ReadError::NotText
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_up_to_its_limit_and_refused_one_byte_over() {
        let dir = std::env::temp_dir().join(format!("oig-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("limit.txt");
        std::fs::write(&path, "x".repeat(100)).unwrap();
        assert_eq!(read_text(&path, 100).unwrap().len(), 100);
        assert!(matches!(read_text(&path, 99), Err(ReadError::TooLarge)));
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(read_text(&path, 100), Err(ReadError::NotText)));
        assert!(matches!(
            read_text(&dir.join("missing"), 100),
            Err(ReadError::Io(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A device reports no length and never ends: the limit still holds.
    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_refused_at_the_limit() {
        assert!(matches!(
            read_text(Path::new("/dev/zero"), 4096),
            Err(ReadError::TooLarge)
        ));
    }
}
