//! Error codes and the exact texts codex app-server 0.169 sends (PROTOCOL.md §1.3, transcript 09).
//! No other module invents wire error texts.

use super::jsonrpc::RpcError;

/// Invalid request: what 0.169 uses for nearly every client mistake.
pub const INVALID_REQUEST: i64 = -32600;
/// Invalid params: upstream's code for input over the size limit.
pub const INVALID_PARAMS: i64 = -32602;
/// Internal error: storage adapter and serialization failures.
pub const INTERNAL_ERROR: i64 = -32603;

/// A -32600 error with `message`.
pub fn invalid_request(message: impl Into<String>) -> RpcError {
    RpcError { code: INVALID_REQUEST, message: message.into(), data: None }
}

/// A -32603 error with `message`.
pub fn internal_error(message: impl Into<String>) -> RpcError {
    RpcError { code: INTERNAL_ERROR, message: message.into(), data: None }
}

/// Any request but `initialize` before `initialize`.
pub fn not_initialized() -> RpcError {
    invalid_request("Not initialized")
}

/// A second `initialize` on one connection.
pub fn already_initialized() -> RpcError {
    invalid_request("Already initialized")
}

/// Params (or the method name) failed to deserialize; `detail` is serde's text, e.g.
/// ``unknown variant `x`, expected one of …`` or ``missing field `threadId` ``.
pub fn deserialize_failed(detail: impl std::fmt::Display) -> RpcError {
    invalid_request(format!("Invalid request: {detail}"))
}

/// An experimental method called without the `experimentalApi` capability.
pub fn experimental_method(method: &str) -> RpcError {
    invalid_request(format!("{method} requires experimentalApi capability"))
}

/// An experimental field present in params without the `experimentalApi` capability.
pub fn experimental_field(method: &str, field: &str) -> RpcError {
    invalid_request(format!("{method}.{field} requires experimentalApi capability"))
}

/// A thread id that does not parse as a UUID; `detail` is the uuid crate's text.
pub fn invalid_thread_id(detail: impl std::fmt::Display) -> RpcError {
    invalid_request(format!("invalid thread id: {detail}"))
}

/// A caller-supplied turn id that does not parse as a UUID (PROTOCOL.md §5).
pub fn invalid_turn_id(detail: impl std::fmt::Display) -> RpcError {
    invalid_request(format!("invalid turn id: {detail}"))
}

/// A caller-supplied thread id that is already known (PROTOCOL.md §5).
pub fn thread_id_exists(thread_id: &str) -> RpcError {
    invalid_request(format!("thread id already exists: {thread_id}"))
}

/// A caller-supplied turn id already used in the thread (PROTOCOL.md §5).
pub fn turn_id_exists(thread_id: &str, turn_id: &str) -> RpcError {
    invalid_request(format!("turn id already exists in thread {thread_id}: {turn_id}"))
}

/// `turn/start` with a caller `turnId` while another turn runs (PROTOCOL.md §5).
pub fn turn_start_while_active(turn_id: &str, thread_id: &str, active_turn_id: &str) -> RpcError {
    invalid_request(format!(
        "cannot start turn `{turn_id}`: thread {thread_id} already has an active turn `{active_turn_id}`"
    ))
}

/// `turn/steer` while no turn runs.
pub fn no_active_turn_to_steer() -> RpcError {
    invalid_request("no active turn to steer")
}

/// `turn/steer` naming another turn than the active one (with backticks, unlike interrupt).
pub fn steer_turn_mismatch(given: &str, active: &str) -> RpcError {
    invalid_request(format!("expected active turn id `{given}` but found `{active}`"))
}

/// `turn/steer` with no input: nothing to add to the turn.
pub fn empty_steer_input() -> RpcError {
    invalid_request("input must not be empty")
}

/// `turn/start`, `turn/steer` or a second `thread/compact/start` while a compaction turn runs:
/// its input cannot join a summary request, so the client starts it afterwards.
pub fn thread_compacting(thread_id: &str) -> RpcError {
    invalid_request(format!("thread {thread_id} is compacting its history; start the turn after it completes"))
}

/// `turn/*` on a thread that is not loaded.
pub fn thread_not_found(thread_id: &str) -> RpcError {
    invalid_request(format!("thread not found: {thread_id}"))
}

/// `turn/interrupt` while no turn runs.
pub fn no_active_turn_to_interrupt() -> RpcError {
    invalid_request("no active turn to interrupt")
}

/// `turn/interrupt` naming another turn; unlike steer's text, no backticks (transcript 04).
pub fn interrupt_turn_mismatch(given: &str, active: &str) -> RpcError {
    invalid_request(format!("expected active turn id {given} but found {active}"))
}

/// `thread/read` of an id that is neither loaded nor stored.
pub fn thread_not_loaded(thread_id: &str) -> RpcError {
    invalid_request(format!("thread not loaded: {thread_id}"))
}

/// `thread/read {includeTurns:true}` on an ephemeral thread.
pub fn ephemeral_include_turns() -> RpcError {
    invalid_request("ephemeral threads do not support includeTurns")
}

/// `thread/archive` / `thread/delete` of an unknown, deleted, archived or ephemeral thread.
pub fn no_rollout_found(thread_id: &str) -> RpcError {
    invalid_request(format!("no rollout found for thread id {thread_id}"))
}

/// `thread/fork {ephemeral: true}` without `excludeTurns: true` (transcript 08).
pub fn ephemeral_fork_requires_exclude_turns() -> RpcError {
    invalid_request("ephemeral paginated thread/fork requires `excludeTurns: true`")
}

/// `thread/fork.lastTurnId` naming no finished turn of the source (upstream's text).
pub fn last_turn_id_not_found(turn_id: &str) -> RpcError {
    invalid_request(format!("lastTurnId '{turn_id}' was not found in the source thread"))
}

/// `thread/fork.lastTurnId` naming the source's running turn (upstream's text).
pub fn last_turn_id_in_progress(turn_id: &str) -> RpcError {
    invalid_request(format!("lastTurnId '{turn_id}' identifies an in-progress turn"))
}

/// `thread/fork.beforeTurnId` naming no turn of the source (upstream's text).
pub fn before_turn_id_not_found(turn_id: &str) -> RpcError {
    invalid_request(format!("beforeTurnId '{turn_id}' was not found in the source thread"))
}

/// `thread/fork` with both `lastTurnId` and `beforeTurnId`; the schema forbids it, the text is
/// Spindle's in upstream's style.
pub fn fork_boundaries_conflict() -> RpcError {
    invalid_request("`beforeTurnId` cannot be combined with `lastTurnId`")
}

/// `thread/unarchive` of a thread that is not archived.
pub fn no_archived_rollout_found(thread_id: &str) -> RpcError {
    invalid_request(format!("no archived rollout found for thread id {thread_id}"))
}

/// `thread/name/set` with a name that is blank after trimming (0.169 probe).
pub fn empty_thread_name() -> RpcError {
    invalid_request("thread name must not be empty")
}

/// A paging cursor (`thread/list`, `thread/turns/list`, `model/list`) the server did not write.
pub fn invalid_cursor(cursor: &str) -> RpcError {
    invalid_request(format!("invalid cursor: {cursor}"))
}

/// A `thread/turns/list` cursor whose anchor turn is not in the thread.
pub fn turns_cursor_anchor_gone() -> RpcError {
    invalid_request("invalid cursor: anchor turn is no longer present")
}

/// `thread/turns/list` on an ephemeral thread.
pub fn ephemeral_turns_list() -> RpcError {
    invalid_request("ephemeral threads do not support thread/turns/list")
}

/// A `model/list` cursor past the end of the catalog.
pub fn model_cursor_past_end(start: usize, total: usize) -> RpcError {
    invalid_request(format!("cursor {start} exceeds total models {total}"))
}

/// A data-less remote image URL (0.169 probe).
pub fn remote_image_url() -> RpcError {
    invalid_request("remote image URLs are not supported; use an inline data URL instead")
}

/// Turn input whose text is longer than `max_chars` characters in all (`turn/start`, `turn/steer`,
/// `thread/queue/add`): upstream's -32602 with its text and `data`.
pub fn input_too_large(max_chars: usize, actual_chars: usize) -> RpcError {
    RpcError {
        code: INVALID_PARAMS,
        message: format!("Input exceeds the maximum length of {max_chars} characters."),
        data: Some(serde_json::json!({
            "input_error_code": "input_too_large",
            "max_chars": max_chars,
            "actual_chars": actual_chars,
        })),
    }
}

/// `thread/queue/add` (or `update`) whose params name another thread than the request (seed text).
pub fn queue_thread_id_mismatch() -> RpcError {
    invalid_request("`threadId` must match `turnStartParams.threadId`")
}

/// `thread/queue/*` on an ephemeral thread (seed text).
pub fn ephemeral_queue(thread_id: &str) -> RpcError {
    invalid_request(format!("ephemeral thread does not support queued turns: {thread_id}"))
}

/// `thread/queue/reorder` that does not name every visible queued turn exactly once (seed text).
pub fn queue_reorder_mismatch() -> RpcError {
    invalid_request("failed to reorder queued turns: queue reorder must include every visible queued turn exactly once")
}

/// `thread/queue/update` or `thread/queue/start` naming no visible queued turn of the thread
/// (Spindle's text, in the style of `thread not found`).
pub fn queued_turn_not_found(queued_turn_id: &str) -> RpcError {
    invalid_request(format!("queued turn not found: {queued_turn_id}"))
}

/// `thread/queue/start` without an id on an empty queue (Spindle's text, in the style of
/// `no active turn to interrupt`).
pub fn no_queued_turn_to_start() -> RpcError {
    invalid_request("no queued turn to start")
}

/// `thread/queue/start` while a turn runs (Spindle's text, parallel to `turn/start`'s).
pub fn queue_start_while_active(queued_turn_id: &str, thread_id: &str, active_turn_id: &str) -> RpcError {
    invalid_request(format!(
        "cannot start queued turn `{queued_turn_id}`: thread {thread_id} already has an active turn `{active_turn_id}`"
    ))
}

/// `thread/queue/start` while a queued turn of the thread is still being started.
pub fn queue_start_while_dispatching(thread_id: &str) -> RpcError {
    invalid_request(format!("thread {thread_id} is already starting a queued turn"))
}

/// `TurnError.message` of a queued turn whose stored params do not read as `turn/start` params (seed text).
pub fn queued_turn_unreadable(detail: impl std::fmt::Display) -> String {
    format!("queued turn payload could not be read: {detail}")
}

/// `TurnError.message` of a queued turn that `turn/start` would refuse (seed text).
pub fn queued_turn_could_not_start(rpc_message: &str) -> String {
    format!("queued turn could not start: {rpc_message}")
}

/// `TurnError.message` of a queued turn left mid-dispatch by a restart (seed text).
pub const QUEUED_TURN_INTERRUPTED_BY_RESTART: &str = "queued turn dispatch was interrupted while app-server restarted";

/// `TurnError.message` of a failed queued turn stored without its error (seed text).
pub const QUEUED_TURN_DISPATCH_FAILED: &str = "queued turn dispatch failed";

/// A storage adapter failed during `operation` (e.g. "create thread").
pub fn store_failed(operation: &str, error: impl std::fmt::Display) -> RpcError {
    internal_error(format!("failed to {operation}: {error}"))
}
