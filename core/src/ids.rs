//! Thread, turn and item ids: client ids parsed once into the canonical lowercase hyphenated
//! form (PROTOCOL.md §5); new ids are UUIDv7 stamped by the host clock.

use uuid::{NoContext, Timestamp, Uuid};

use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;

/// Parses a client thread id in any spelling the uuid crate accepts and returns its canonical form.
pub fn parse_thread_id(raw: &str) -> Result<String, RpcError> {
    Uuid::parse_str(raw).map(canonical).map_err(|e| error::invalid_thread_id(upstream_parse_error(&e)))
}

/// Parses a caller-supplied turn id and returns its canonical form.
pub fn parse_turn_id(raw: &str) -> Result<String, RpcError> {
    Uuid::parse_str(raw).map(canonical).map_err(|e| error::invalid_turn_id(upstream_parse_error(&e)))
}

/// The uuid parse error as 0.169's uuid release words it: its character errors name the
/// expected alphabet and count from 1, its length errors name the simple format (transcript 09).
/// Our uuid release shortened both texts; the other kinds read the same in both.
fn upstream_parse_error(error: &uuid::Error) -> String {
    let text = error.to_string();
    if let Some(rest) = text.strip_prefix("invalid character: found `")
        && let Some((character, index)) = rest.rsplit_once("` at ")
        && let Ok(index) = index.parse::<usize>()
    {
        return format!(
            "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `{character}` at {}",
            index + 1
        );
    }
    if let Some(len) = text.strip_prefix("invalid length: found ") {
        return format!("invalid length: expected length 32 for simple format, found {len}");
    }
    text
}

/// A new UUIDv7 for `now_ms`, canonical form. Randomness comes from the uuid crate (WebCrypto on
/// wasm32); the time comes from the host, because `SystemTime` panics in a browser.
pub fn new_id(now_ms: i64) -> String {
    let ms = u64::try_from(now_ms).unwrap_or(0);
    let timestamp = Timestamp::from_unix(NoContext, ms / 1000, ((ms % 1000) as u32) * 1_000_000);
    canonical(Uuid::new_v7(timestamp))
}

fn canonical(uuid: Uuid) -> String {
    uuid.hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_uuid_spelling_canonicalises_to_lowercase_hyphenated() {
        let canonical = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        for spelling in [
            "67E55044-10B1-426F-9247-BB680E5FE0C8",
            "67e5504410b1426f9247bb680e5fe0c8",
            "urn:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8",
            "{67e55044-10b1-426f-9247-bb680e5fe0c8}",
        ] {
            assert_eq!(parse_thread_id(spelling).unwrap(), canonical, "{spelling}");
        }
    }

    #[test]
    fn a_malformed_thread_id_reports_the_uuid_parse_error_as_upstream() {
        assert_eq!(
            parse_thread_id("not-a-uuid").unwrap_err().message,
            "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"
        );
    }

    #[test]
    fn other_parse_errors_keep_the_upstream_wording() {
        let message = |raw: &str| parse_turn_id(raw).unwrap_err().message;
        assert_eq!(message("abc"), "invalid turn id: invalid length: expected length 32 for simple format, found 3");
        assert_eq!(message("67e55044-10b1-426f-9247"), "invalid turn id: invalid group count: expected 5, found 4");
        assert_eq!(
            message("67e5504-410b1-426f-9247-bb680e5fe0c8"),
            "invalid turn id: invalid group length in group 0: expected 8, found 7"
        );
        assert_eq!(
            message("67e55044-10b1-426f-9247-bb680e5fe0cZ"),
            "invalid turn id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `Z` at 36"
        );
    }

    #[test]
    fn new_ids_are_version_7_and_carry_the_host_time() {
        let id = new_id(1_700_000_000_123);
        let uuid = Uuid::parse_str(&id).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
        let (secs, nanos) = uuid.get_timestamp().unwrap().to_unix();
        assert_eq!((secs, nanos / 1_000_000), (1_700_000_000, 123));
        assert_ne!(new_id(1_700_000_000_123), id);
    }
}
