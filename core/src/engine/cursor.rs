//! The paging cursors of `thread/list`, `thread/turns/list` and `thread/queue/list`: their text,
//! written and read in this one place (PROTOCOL.md §4.5, §4.12, §6.1).
//!
//! `thread/list` cursors follow 0.169's shape, `<ISO-8601 second>|<threadId>` for the next page and
//! a bare `<ISO-8601 second>` for the way back (transcript 07), so clients that peek see what they
//! know. `thread/turns/list` cursors are JSON naming an anchor turn, as upstream's are JSON; ours
//! name the turn by id instead of by rollout line, because the core keeps no rollout.

use serde::{Deserialize, Serialize};

use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;

/// The page size of a list request: 25 without `limit`, clamped to 1..=100 (0.169's values for
/// `thread/list` and `thread/turns/list`).
pub fn page_limit(limit: Option<u32>) -> u32 {
    limit.unwrap_or(25).clamp(1, 100)
}
use crate::store::ThreadListAnchor;

/// The `nextCursor` of a `thread/list` page whose last thread is `thread_id`.
pub fn thread_list_next(sort_value: i64, thread_id: &str) -> String {
    format!("{}|{thread_id}", iso_seconds(sort_value))
}

/// The `backwardsCursor` of a `thread/list` page whose first thread sorts by `sort_value`.
pub fn thread_list_backwards(sort_value: i64) -> String {
    iso_seconds(sort_value)
}

/// Reads a `thread/list` cursor.
pub fn thread_list_anchor(cursor: &str) -> Result<ThreadListAnchor, RpcError> {
    let invalid = || error::invalid_cursor(cursor);
    let (time, thread_id) = match cursor.split_once('|') {
        Some((_, "")) => return Err(invalid()),
        Some((time, thread_id)) => (time, Some(thread_id.to_owned())),
        None => (cursor, None),
    };
    let sort_value = parse_iso_seconds(time).ok_or_else(invalid)?;
    Ok(ThreadListAnchor { sort_value, thread_id })
}

/// Reads a `thread/queue/list` cursor: a decimal offset into the visible queue (the seed's
/// format); no cursor starts at 0.
pub fn queue_offset(cursor: Option<&str>) -> Result<u32, RpcError> {
    let Some(cursor) = cursor else { return Ok(0) };
    // Digits only: `u32::from_str` would also take a sign.
    if cursor.is_empty() || !cursor.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(error::invalid_cursor(cursor));
    }
    cursor.parse().map_err(|_| error::invalid_cursor(cursor))
}

/// The `nextCursor` of a `thread/queue/list` page that started at `offset` and held `limit` rows.
pub fn queue_next(offset: u32, limit: u32) -> String {
    offset.saturating_add(limit).to_string()
}

/// Where a `thread/turns/list` page starts: after the anchor turn, or at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnsAnchor {
    /// The anchor turn's id.
    pub turn_id: String,
    /// Whether the page includes the anchor turn itself.
    pub include_anchor: bool,
}

/// Writes a `thread/turns/list` cursor.
pub fn turns_cursor(turn_id: &str, include_anchor: bool) -> String {
    serde_json::json!({"turnId": turn_id, "includeAnchor": include_anchor}).to_string()
}

/// Reads a `thread/turns/list` cursor.
pub fn turns_anchor(cursor: &str) -> Result<TurnsAnchor, RpcError> {
    serde_json::from_str(cursor).map_err(|_| error::invalid_cursor(cursor))
}

const SECONDS_PER_DAY: i64 = 86_400;
/// Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
const EPOCH_SHIFT_DAYS: i64 = 719_468;
const DAYS_PER_ERA: i64 = 146_097;

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn iso_seconds(unix: i64) -> String {
    let days = unix.div_euclid(SECONDS_PER_DAY);
    let second_of_day = unix.rem_euclid(SECONDS_PER_DAY);
    // Civil date from a day count, by 400-year eras whose years start in March (leap day last).
    let shifted = days + EPOCH_SHIFT_DAYS;
    let era = shifted.div_euclid(DAYS_PER_ERA);
    let day_of_era = shifted.rem_euclid(DAYS_PER_ERA);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// Reads what [`iso_seconds`] writes (years 0000 to 9999); `None` for anything else.
fn parse_iso_seconds(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'Z')];
    if bytes.len() != 20 || separators.iter().any(|(at, byte)| bytes.get(*at) != Some(byte)) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits.bytes().all(|byte| byte.is_ascii_digit()).then(|| digits.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let days_in_month = *month_days.get(usize::try_from(month).ok()?.checked_sub(1)?)?;
    if !(1..=days_in_month).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // The inverse of the era arithmetic in `iso_seconds`.
    let march_year = if month <= 2 { year - 1 } else { year };
    let era = march_year.div_euclid(400);
    let year_of_era = march_year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT_DAYS;
    Some(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_seconds_writes_utc_calendar_time() {
        assert_eq!(iso_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_seconds(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso_seconds(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso_seconds(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn iso_seconds_round_trips_across_leap_days_and_centuries() {
        for unix in [0, -1, 951_782_400, 951_868_799, 4_107_542_399, 1_700_000_000, 253_402_300_799] {
            assert_eq!(parse_iso_seconds(&iso_seconds(unix)), Some(unix), "{unix}");
        }
    }

    #[test]
    fn thread_list_cursors_read_back_and_reject_garbage() {
        let next = thread_list_next(1_700_000_000, "t-1");
        assert_eq!(next, "2023-11-14T22:13:20Z|t-1");
        assert_eq!(
            thread_list_anchor(&next),
            Ok(ThreadListAnchor { sort_value: 1_700_000_000, thread_id: Some("t-1".into()) })
        );
        assert_eq!(
            thread_list_anchor(&thread_list_backwards(5)),
            Ok(ThreadListAnchor { sort_value: 5, thread_id: None })
        );
        for bad in [
            "",
            "5",
            "2023-11-14T22:13:20Z|",
            "2023-02-29T00:00:00Z",
            "2023-11-14 22:13:20Z",
            "é23-11-14T22:13:20Z",
            "20é3-11-14T22:13:20Z",
        ] {
            assert_eq!(thread_list_anchor(bad), Err(error::invalid_cursor(bad)), "{bad}");
        }
    }

    #[test]
    fn queue_cursors_are_decimal_offsets() {
        assert_eq!(queue_offset(None), Ok(0));
        assert_eq!(queue_offset(Some(&queue_next(25, 25))), Ok(50));
        assert_eq!(queue_offset(Some("007")), Ok(7));
        for bad in ["", "-1", "+1", "1.5", "abc", " 1", "4294967296"] {
            assert_eq!(queue_offset(Some(bad)), Err(error::invalid_cursor(bad)), "{bad}");
        }
        assert_eq!(queue_next(u32::MAX, 25), u32::MAX.to_string());
    }

    #[test]
    fn turns_cursors_read_back() {
        let cursor = turns_cursor("turn-1", false);
        assert_eq!(turns_anchor(&cursor), Ok(TurnsAnchor { turn_id: "turn-1".into(), include_anchor: false }));
        assert_eq!(turns_anchor("7"), Err(error::invalid_cursor("7")));
    }
}
