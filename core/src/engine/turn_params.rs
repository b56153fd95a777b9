//! The checks every turn start shares (PROTOCOL.md §4.14, §5, §6.1): `turn/start`, a queued turn
//! when it is added or edited, and again when the queue dispatches it, so a queued turn is held to
//! exactly the rules of a direct one.

use serde_json::Value;

use crate::ids;
use crate::protocol::error;
use crate::protocol::item::UserInput;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::turn::TurnStartParams;

/// The most text characters one turn's input may hold, as upstream (`1 << 20`).
pub const MAX_USER_INPUT_TEXT_CHARS: usize = 1 << 20;

/// `turn/start` params that passed the checks, with their ids canonical.
pub(crate) struct CheckedTurnStart {
    pub params: TurnStartParams,
    pub thread_id: String,
    /// The caller's turn id, if any.
    pub turn_id: Option<String>,
}

/// Checks `turn/start` params: the thread id parses, the input is sendable, a caller turn id parses.
pub(crate) fn check(mut params: TurnStartParams) -> Result<CheckedTurnStart, RpcError> {
    let thread_id = ids::parse_thread_id(&params.thread_id)?;
    check_input(&params.input)?;
    let turn_id = params.turn_id.as_deref().map(ids::parse_turn_id).transpose()?;
    params.thread_id = thread_id.clone();
    Ok(CheckedTurnStart { params, thread_id, turn_id })
}

/// Reads stored or queued `turnStartParams` JSON; the error is serde's text.
pub(crate) fn read(raw: &Value) -> Result<TurnStartParams, serde_json::Error> {
    serde_json::from_value(raw.clone())
}

/// Checks the `turnStartParams` of a turn queued on `thread_id` (canonical): the checks of
/// `turn/start`, and its `threadId` must name the same thread, compared canonically.
pub(crate) fn check_queued(thread_id: &str, params: TurnStartParams) -> Result<CheckedTurnStart, RpcError> {
    if ids::parse_thread_id(&params.thread_id).ok().as_deref() != Some(thread_id) {
        return Err(error::queue_thread_id_mismatch());
    }
    check(params)
}

/// Input the core cannot send: remote image URLs (only inline `data:` URLs are supported), or
/// more text than upstream accepts.
pub(crate) fn check_input(input: &[UserInput]) -> Result<(), RpcError> {
    let mut chars = 0usize;
    for part in input {
        match part {
            UserInput::Image { url, .. } if !url.starts_with("data:") => return Err(error::remote_image_url()),
            UserInput::Image { .. } => {}
            UserInput::Text { text, .. } => chars = chars.saturating_add(text.chars().count()),
        }
    }
    if chars > MAX_USER_INPUT_TEXT_CHARS {
        return Err(error::input_too_large(MAX_USER_INPUT_TEXT_CHARS, chars));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const THREAD: &str = "0190b3a2-0000-7000-8000-000000000001";

    fn params(value: Value) -> TurnStartParams {
        read(&value).expect("turn/start params")
    }

    #[test]
    fn input_up_to_the_limit_passes_and_one_more_character_is_too_large() {
        let text = |n: usize| vec![UserInput::Text { text: "é".repeat(n), text_elements: Vec::new() }];
        assert_eq!(check_input(&text(MAX_USER_INPUT_TEXT_CHARS)), Ok(()));
        let error = check_input(&text(MAX_USER_INPUT_TEXT_CHARS + 1)).unwrap_err();
        assert_eq!(error.code, error::INVALID_PARAMS);
        assert_eq!(error.message, "Input exceeds the maximum length of 1048576 characters.");
        assert_eq!(
            error.data,
            Some(json!({"input_error_code": "input_too_large", "max_chars": 1_048_576, "actual_chars": 1_048_577}))
        );
    }

    #[test]
    fn the_limit_counts_the_text_of_every_part() {
        let half = MAX_USER_INPUT_TEXT_CHARS / 2;
        let part = UserInput::Text { text: "a".repeat(half + 1), text_elements: Vec::new() };
        assert!(check_input(&[part.clone(), part]).is_err());
    }

    #[test]
    fn queued_params_must_name_the_same_thread_in_any_spelling() {
        let upper = THREAD.to_uppercase();
        let checked = check_queued(THREAD, params(json!({"threadId": upper, "input": []}))).expect("same thread");
        assert_eq!(checked.thread_id, THREAD);
        assert_eq!(checked.params.thread_id, THREAD);
        for other in ["0190b3a2-0000-7000-8000-000000000002", "not-a-uuid"] {
            let refused = check_queued(THREAD, params(json!({"threadId": other, "input": []}))).err();
            assert_eq!(refused, Some(error::queue_thread_id_mismatch()), "{other}");
        }
    }

    #[test]
    fn a_caller_turn_id_is_canonical_after_the_check() {
        let raw = json!({"threadId": THREAD, "input": [], "turnId": "0190B3A2-0000-7000-8000-0000000000AA"});
        let checked = check(params(raw)).expect("valid");
        assert_eq!(checked.turn_id.as_deref(), Some("0190b3a2-0000-7000-8000-0000000000aa"));
    }
}
