//! How SQLite and decoding failures become the core's [`StoreError`], and the id check every key
//! passes before it reaches SQL.

use serde::Serialize;
use serde::de::DeserializeOwned;
use spindle_core::store::StoreError;
use uuid::Uuid;

/// A failure inside a store job: SQLite's own, or one the store decided.
pub(crate) enum Failure {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Failure::Sql(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Failure::Store(error)
    }
}

impl From<Failure> for StoreError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Sql(error) => StoreError::Adapter(format!("sqlite: {error}")),
            Failure::Store(error) => error,
        }
    }
}

/// Reads JSON the store wrote; anything else is data core cannot use.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|error| StoreError::InvalidData(format!("stored {what}: {error}")).into())
}

/// Writes a value as JSON text.
pub(crate) fn encode(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|error| StoreError::InvalidData(error.to_string()).into())
}

/// Accepts `id` only in the canonical form core produces (lowercase, hyphenated UUID), so one
/// thread or queued turn can never be stored under two spellings.
pub(crate) fn check_id(kind: &str, id: &str) -> Result<(), StoreError> {
    let canonical = id.len() == 36 && !id.bytes().any(|byte| byte.is_ascii_uppercase()) && Uuid::try_parse(id).is_ok();
    if canonical {
        return Ok(());
    }
    let shown: String = id.chars().take(64).collect();
    Err(StoreError::Adapter(format!("invalid {kind} id {shown:?}: the store takes lowercase hyphenated UUIDs")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_uuids_pass() {
        assert!(check_id("thread", "67e55044-10b1-426f-9247-bb680e5fe0c8").is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "67E55044-10B1-426F-9247-BB680E5FE0C8",
            "67e5504410b1426f9247bb680e5fe0c8",
            "{67e55044-10b1-426f-9247-bb680e5fe0c8}",
            "67e55044-10b1-426f-9247-bb680e5fe0cg",
            "67e55044-10b1-426f-9247-bb680e5fe0c8'; DROP TABLE threads; --",
        ] {
            let error = check_id("thread", bad).expect_err(bad);
            assert!(error.to_string().starts_with("invalid thread id"), "{error}");
        }
    }
}
