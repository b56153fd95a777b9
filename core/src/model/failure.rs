//! How a failed model request reads to clients: `TurnError`s with 0.169's texts and
//! `codexErrorInfo` values (PROTOCOL.md §7.6).

use serde_json::{Value, json};

use crate::protocol::turn::TurnError;

fn turn_error(message: impl Into<String>, info: Value) -> TurnError {
    TurnError { message: message.into(), codex_error_info: Some(info), additional_details: None, misalignment: None }
}

/// A non-2xx HTTP answer from the provider, with its body text.
pub fn http_status(status: u16, body: &str) -> TurnError {
    match status {
        // 0.169 replaces any 5xx body with a fixed text (U+2019 in "We’re").
        500..=599 => turn_error(
            "We\u{2019}re currently experiencing high demand, which may cause temporary errors.",
            json!("internalServerError"),
        ),
        // 0.169 reports 429 as an exhausted retry budget even with retries off (transcript 06b).
        429 => turn_error(
            "exceeded retry limit, last status: 429 Too Many Requests",
            json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}}),
        ),
        _ => turn_error(body, json!("other")),
    }
}

/// The stream ended (or broke) before `response.completed`; `cause` says how.
pub fn stream_disconnected(cause: &str) -> TurnError {
    turn_error(format!("stream disconnected before completion: {cause}"), json!("other"))
}

/// The stream closed cleanly without `response.completed`.
pub fn stream_closed_early() -> TurnError {
    stream_disconnected("stream closed before response.completed")
}

/// `response.incomplete` with `reason`.
pub fn incomplete(reason: &str) -> TurnError {
    turn_error(format!("Incomplete response returned, reason: {reason}"), json!("other"))
}

/// The host transport itself failed (fetch rejected, connection refused).
pub fn transport_failed(cause: &str) -> TurnError {
    turn_error(
        format!("stream disconnected before completion: {cause}"),
        json!({"responseStreamConnectionFailed": {"httpStatusCode": null}}),
    )
}

/// The `error` notification before a stream retry (transcript 06b): attempt `attempt` of `max`,
/// with what broke as `additionalDetails`.
pub fn reconnecting(attempt: u32, max: u32, cause: &TurnError) -> TurnError {
    TurnError {
        message: format!("Reconnecting... {attempt}/{max}"),
        codex_error_info: Some(json!({"responseStreamDisconnected": {"httpStatusCode": null}})),
        additional_details: Some(cause.message.clone()),
        misalignment: None,
    }
}

/// How long to wait before retry `attempt` (1-based): 200 ms doubling, capped at 10 s.
pub fn backoff_ms(attempt: u32) -> u64 {
    200u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)).min(10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnecting_carries_the_cause_and_backoff_doubles_up_to_a_cap() {
        let error = reconnecting(1, 2, &stream_closed_early());
        assert_eq!(error.message, "Reconnecting... 1/2");
        assert_eq!(
            error.additional_details.as_deref(),
            Some("stream disconnected before completion: stream closed before response.completed")
        );
        assert_eq!([backoff_ms(1), backoff_ms(2), backoff_ms(3), backoff_ms(40)], [200, 400, 800, 10_000]);
    }
}
