//! The `ids` target: client ids and paging cursors read from arbitrary text, and the ids and
//! cursors the core writes read back as what they were written from.

use uuid::Uuid;

use crate::engine::cursor;
use crate::ids::{new_id, parse_thread_id, parse_turn_id};
use crate::protocol::error;

/// `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59Z`: the times a `thread/list` cursor can spell.
const CURSOR_SECONDS: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;
/// UUIDv7 keeps 48 bits of Unix milliseconds.
const V7_MILLIS: std::ops::Range<i64> = 0..(1 << 48);

/// Runs one input: its text through every reader, its first 8 bytes as a number through the writers.
pub fn ids(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    client_id(&text, parse_thread_id, "invalid thread id: ");
    client_id(&text, parse_turn_id, "invalid turn id: ");
    thread_list_cursor(&text);
    turns_cursor(&text);
    if let Some(bytes) = data.first_chunk::<8>() {
        written(i64::from_le_bytes(*bytes));
    }
    if let Some(bytes) = data.first_chunk::<4>() {
        let limit = u32::from_le_bytes(*bytes);
        assert!((1..=100).contains(&cursor::page_limit(Some(limit))), "page size of {limit}");
    }
}

type Parse = fn(&str) -> Result<String, crate::protocol::jsonrpc::RpcError>;

/// An accepted id comes back canonical (lowercase hyphenated) and reads back as itself in any
/// case; a refused one says why with the method's prefix.
fn client_id(text: &str, parse: Parse, refusal: &str) {
    match parse(text) {
        Ok(id) => {
            assert_eq!(Uuid::parse_str(&id).map(|uuid| uuid.hyphenated().to_string()).as_deref(), Ok(id.as_str()));
            assert_eq!(parse(&id).as_deref(), Ok(id.as_str()), "canonical id {id} does not read back");
            assert_eq!(parse(&id.to_uppercase()).as_deref(), Ok(id.as_str()), "uppercase {id} reads differently");
        }
        Err(rpc) => {
            assert!(rpc.message.starts_with(refusal), "refusal of {text:?} reads {:?}", rpc.message);
            assert_eq!(rpc.code, error::INVALID_REQUEST);
        }
    }
}

/// An accepted `thread/list` cursor is one the core could have written, and writing its anchor
/// again gives the same text back.
fn thread_list_cursor(text: &str) {
    match cursor::thread_list_anchor(text) {
        Ok(anchor) => {
            assert!(CURSOR_SECONDS.contains(&anchor.sort_value));
            let again = match &anchor.thread_id {
                Some(thread_id) => cursor::thread_list_next(anchor.sort_value, thread_id),
                None => cursor::thread_list_backwards(anchor.sort_value),
            };
            assert_eq!(again, text, "cursor {text:?} is not the one its anchor writes");
        }
        Err(rpc) => assert_eq!(rpc, error::invalid_cursor(text)),
    }
}

/// An accepted `thread/turns/list` cursor names the same anchor once written again.
fn turns_cursor(text: &str) {
    match cursor::turns_anchor(text) {
        Ok(anchor) => {
            let again = cursor::turns_cursor(&anchor.turn_id, anchor.include_anchor);
            assert_eq!(cursor::turns_anchor(&again), Ok(anchor));
        }
        Err(rpc) => assert_eq!(rpc, error::invalid_cursor(text)),
    }
}

/// What the core writes from a number reads back: a new id for any clock reading, a cursor for
/// any sort value it can spell.
fn written(number: i64) {
    let id = new_id(number);
    let uuid = Uuid::parse_str(&id).unwrap_or_else(|error| panic!("new_id({number}) wrote {id}: {error}"));
    assert_eq!(uuid.get_version_num(), 7);
    if V7_MILLIS.contains(&number) {
        let (seconds, nanos) = uuid.get_timestamp().map(|stamp| stamp.to_unix()).unwrap_or_default();
        assert_eq!(seconds as i64 * 1000 + i64::from(nanos / 1_000_000), number, "new_id lost its time");
    }
    let backwards = cursor::thread_list_backwards(number);
    let read = cursor::thread_list_anchor(&backwards).map(|anchor| anchor.sort_value);
    if CURSOR_SECONDS.contains(&number) {
        assert_eq!(read, Ok(number), "cursor {backwards}");
    } else {
        assert!(read.is_err(), "cursor {backwards} for {number} should not read");
    }
}
