//! Wire shapes only: serde + ts-rs derives, no behaviour. This file is the method table: each
//! wire name is spelled once, here, next to its params type.

pub mod error;
pub mod initialize;
pub mod item;
pub mod jsonrpc;
pub mod model;
pub mod queue;
pub mod thread;
pub mod thread_list;
pub mod tool;
pub mod turn;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use initialize::InitializeParams;
use item::{
    AgentMessageDeltaNotification, ItemCompletedNotification, ItemStartedNotification,
    ReasoningSummaryPartAddedNotification, ReasoningSummaryTextDeltaNotification, ReasoningTextDeltaNotification,
};
use jsonrpc::RpcError;
use model::ModelListParams;
use queue::{
    ThreadQueueAddParams, ThreadQueueChangedNotification, ThreadQueueDeleteParams, ThreadQueueListParams,
    ThreadQueueReorderParams, ThreadQueueStartParams, ThreadQueueUpdateParams,
};
use thread::{
    ThreadForkParams, ThreadIdNotification, ThreadIdParams, ThreadLoadedListParams, ThreadNameSetParams,
    ThreadNameUpdatedNotification, ThreadReadParams, ThreadResumeParams, ThreadStartParams, ThreadStartedNotification,
    ThreadStatusChangedNotification, ThreadTokenUsageUpdatedNotification,
};
use thread_list::{ThreadListParams, ThreadTurnsListParams};
use turn::{ErrorNotification, TurnInterruptParams, TurnNotification, TurnStartParams, TurnSteerParams};

/// A client request, keyed by its wire method. Dispatch is a deserialization step, as upstream:
/// an unknown method fails with serde's ``unknown variant `…`, expected one of …`` text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "method", content = "params")]
#[ts(export)]
pub enum ClientRequest {
    /// PROTOCOL.md §2.
    #[serde(rename = "initialize")]
    Initialize(InitializeParams),
    /// PROTOCOL.md §4.1.
    #[serde(rename = "thread/start")]
    ThreadStart(ThreadStartParams),
    /// PROTOCOL.md §4.2.
    #[serde(rename = "thread/resume")]
    ThreadResume(ThreadResumeParams),
    /// PROTOCOL.md §4.3.
    #[serde(rename = "thread/fork")]
    ThreadFork(ThreadForkParams),
    /// PROTOCOL.md §4.4.
    #[serde(rename = "thread/read")]
    ThreadRead(ThreadReadParams),
    /// PROTOCOL.md §4.5.
    #[serde(rename = "thread/list")]
    ThreadList(ThreadListParams),
    /// PROTOCOL.md §4.6.
    #[serde(rename = "thread/loaded/list")]
    ThreadLoadedList(ThreadLoadedListParams),
    /// PROTOCOL.md §4.7.
    #[serde(rename = "thread/archive")]
    ThreadArchive(ThreadIdParams),
    /// PROTOCOL.md §4.7.
    #[serde(rename = "thread/unarchive")]
    ThreadUnarchive(ThreadIdParams),
    /// PROTOCOL.md §4.8.
    #[serde(rename = "thread/delete")]
    ThreadDelete(ThreadIdParams),
    /// PROTOCOL.md §4.9.
    #[serde(rename = "thread/unsubscribe")]
    ThreadUnsubscribe(ThreadIdParams),
    /// PROTOCOL.md §4.10.
    #[serde(rename = "thread/name/set")]
    ThreadNameSet(ThreadNameSetParams),
    /// PROTOCOL.md §4.11.
    #[serde(rename = "thread/compact/start")]
    ThreadCompactStart(ThreadIdParams),
    /// PROTOCOL.md §4.12.
    #[serde(rename = "thread/turns/list")]
    ThreadTurnsList(ThreadTurnsListParams),
    /// PROTOCOL.md §6.1 (experimental).
    #[serde(rename = "thread/queue/add")]
    ThreadQueueAdd(ThreadQueueAddParams),
    /// PROTOCOL.md §6.1 (experimental).
    #[serde(rename = "thread/queue/list")]
    ThreadQueueList(ThreadQueueListParams),
    /// PROTOCOL.md §6.1 (experimental).
    #[serde(rename = "thread/queue/delete")]
    ThreadQueueDelete(ThreadQueueDeleteParams),
    /// PROTOCOL.md §6.1 (experimental).
    #[serde(rename = "thread/queue/reorder")]
    ThreadQueueReorder(ThreadQueueReorderParams),
    /// Spindle extension beside PROTOCOL.md §6.1 (experimental): edit a queued turn.
    #[serde(rename = "thread/queue/update")]
    ThreadQueueUpdate(ThreadQueueUpdateParams),
    /// Spindle extension beside PROTOCOL.md §6.1 (experimental): start a queued turn now.
    #[serde(rename = "thread/queue/start")]
    ThreadQueueStart(ThreadQueueStartParams),
    /// PROTOCOL.md §4.14.
    #[serde(rename = "turn/start")]
    TurnStart(TurnStartParams),
    /// PROTOCOL.md §4.15.
    #[serde(rename = "turn/steer")]
    TurnSteer(TurnSteerParams),
    /// PROTOCOL.md §4.16.
    #[serde(rename = "turn/interrupt")]
    TurnInterrupt(TurnInterruptParams),
    /// PROTOCOL.md §4.17.
    #[serde(rename = "model/list")]
    ModelList(ModelListParams),
}

/// Methods that need the `experimentalApi` capability (PROTOCOL.md §2).
pub const EXPERIMENTAL_METHODS: &[&str] = &[
    "thread/queue/add",
    "thread/queue/list",
    "thread/queue/delete",
    "thread/queue/reorder",
    "thread/queue/update",
    "thread/queue/start",
];

/// Notifications only connections with the `experimentalApi` capability receive.
pub const EXPERIMENTAL_NOTIFICATIONS: &[&str] = &["thread/queue/changed"];

impl ClientRequest {
    /// Parses `method` + `params` the way upstream's router does, with its error texts.
    pub fn parse(method: &str, params: Option<Value>) -> Result<ClientRequest, RpcError> {
        let mut object = Map::new();
        object.insert("method".into(), Value::String(method.to_owned()));
        if let Some(params) = params {
            object.insert("params".into(), params);
        }
        serde_json::from_value(Value::Object(object)).map_err(error::deserialize_failed)
    }

    /// The first experimental field present in these params, if any (PROTOCOL.md §2).
    pub fn experimental_field(&self) -> Option<(&'static str, &'static str)> {
        match self {
            ClientRequest::ThreadStart(params) if params.dynamic_tools.is_some() => {
                Some(("thread/start", "dynamicTools"))
            }
            ClientRequest::ThreadResume(params) if params.history.is_some() => Some(("thread/resume", "history")),
            ClientRequest::ThreadResume(params) if params.path.is_some() => Some(("thread/resume", "path")),
            ClientRequest::ThreadFork(params) if params.path.is_some() => Some(("thread/fork", "path")),
            ClientRequest::ThreadFork(params) if params.before_turn_id.is_some() => {
                Some(("thread/fork", "beforeTurnId"))
            }
            _ => None,
        }
    }
}

/// A notification the server sends, keyed by its wire method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "method", content = "params")]
#[ts(export)]
pub enum ServerNotification {
    /// A thread was created and subscribed.
    #[serde(rename = "thread/started")]
    ThreadStarted(ThreadStartedNotification),
    /// A thread's status changed.
    #[serde(rename = "thread/status/changed")]
    ThreadStatusChanged(ThreadStatusChangedNotification),
    /// A thread was archived.
    #[serde(rename = "thread/archived")]
    ThreadArchived(ThreadIdNotification),
    /// A thread was unarchived.
    #[serde(rename = "thread/unarchived")]
    ThreadUnarchived(ThreadIdNotification),
    /// A thread was deleted.
    #[serde(rename = "thread/deleted")]
    ThreadDeleted(ThreadIdNotification),
    /// A loaded thread was unloaded (PROTOCOL.md §4.9).
    #[serde(rename = "thread/closed")]
    ThreadClosed(ThreadIdNotification),
    /// A thread's visible queue changed (experimental, PROTOCOL.md §6.1).
    #[serde(rename = "thread/queue/changed")]
    ThreadQueueChanged(ThreadQueueChangedNotification),
    /// A thread was renamed.
    #[serde(rename = "thread/name/updated")]
    ThreadNameUpdated(ThreadNameUpdatedNotification),
    /// New token usage snapshot.
    #[serde(rename = "thread/tokenUsage/updated")]
    ThreadTokenUsageUpdated(ThreadTokenUsageUpdatedNotification),
    /// A turn started.
    #[serde(rename = "turn/started")]
    TurnStarted(TurnNotification),
    /// A turn ended (completed, interrupted or failed).
    #[serde(rename = "turn/completed")]
    TurnCompleted(TurnNotification),
    /// An item started.
    #[serde(rename = "item/started")]
    ItemStarted(ItemStartedNotification),
    /// An item finished.
    #[serde(rename = "item/completed")]
    ItemCompleted(ItemCompletedNotification),
    /// Text appended to an agent message.
    #[serde(rename = "item/agentMessage/delta")]
    AgentMessageDelta(AgentMessageDeltaNotification),
    /// A reasoning summary part began.
    #[serde(rename = "item/reasoning/summaryPartAdded")]
    ReasoningSummaryPartAdded(ReasoningSummaryPartAddedNotification),
    /// Text appended to a reasoning summary part.
    #[serde(rename = "item/reasoning/summaryTextDelta")]
    ReasoningSummaryTextDelta(ReasoningSummaryTextDeltaNotification),
    /// Raw reasoning text appended.
    #[serde(rename = "item/reasoning/textDelta")]
    ReasoningTextDelta(ReasoningTextDeltaNotification),
    /// A turn failed or will retry.
    #[serde(rename = "error")]
    Error(ErrorNotification),
}

impl ServerNotification {
    /// The wire method name.
    pub fn method(&self) -> &'static str {
        match self {
            ServerNotification::ThreadStarted(_) => "thread/started",
            ServerNotification::ThreadStatusChanged(_) => "thread/status/changed",
            ServerNotification::ThreadArchived(_) => "thread/archived",
            ServerNotification::ThreadUnarchived(_) => "thread/unarchived",
            ServerNotification::ThreadDeleted(_) => "thread/deleted",
            ServerNotification::ThreadClosed(_) => "thread/closed",
            ServerNotification::ThreadQueueChanged(_) => "thread/queue/changed",
            ServerNotification::ThreadNameUpdated(_) => "thread/name/updated",
            ServerNotification::ThreadTokenUsageUpdated(_) => "thread/tokenUsage/updated",
            ServerNotification::TurnStarted(_) => "turn/started",
            ServerNotification::TurnCompleted(_) => "turn/completed",
            ServerNotification::ItemStarted(_) => "item/started",
            ServerNotification::ItemCompleted(_) => "item/completed",
            ServerNotification::AgentMessageDelta(_) => "item/agentMessage/delta",
            ServerNotification::ReasoningSummaryPartAdded(_) => "item/reasoning/summaryPartAdded",
            ServerNotification::ReasoningSummaryTextDelta(_) => "item/reasoning/summaryTextDelta",
            ServerNotification::ReasoningTextDelta(_) => "item/reasoning/textDelta",
            ServerNotification::Error(_) => "error",
        }
    }

    /// Encodes the notification as one wire message stamped with `emittedAtMs`.
    pub fn encode(&self, emitted_at_ms: i64) -> String {
        // One pass straight to text: this runs for every delta, so no intermediate `Value`.
        #[derive(Serialize)]
        struct Stamped<'a> {
            #[serde(flatten)]
            notification: &'a ServerNotification,
            #[serde(rename = "emittedAtMs")]
            emitted_at_ms: i64,
        }
        serde_json::to_string(&Stamped { notification: self, emitted_at_ms }).unwrap_or_else(|_| {
            // Only a non-string map key could fail here, and no notification has one.
            jsonrpc::encode_notification(self.method(), Value::Null, emitted_at_ms)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_error(method: &str, params: Option<Value>) -> String {
        ClientRequest::parse(method, params).unwrap_err().message
    }

    #[test]
    fn unknown_methods_fail_like_upstream_serde_dispatch() {
        let message = parse_error("no/such/method", Some(json!({})));
        assert!(
            message.starts_with("Invalid request: unknown variant `no/such/method`, expected one of `initialize`"),
            "{message}"
        );
    }

    #[test]
    fn missing_params_and_fields_use_upstream_texts() {
        assert_eq!(parse_error("thread/loaded/list", None), "Invalid request: missing field `params`");
        assert_eq!(parse_error("thread/read", Some(json!({}))), "Invalid request: missing field `threadId`");
        assert_eq!(
            parse_error("thread/read", Some(json!({"threadId": 42}))),
            "Invalid request: invalid type: integer `42`, expected a string"
        );
    }

    #[test]
    fn notifications_encode_method_params_and_emitted_at() {
        let text = ServerNotification::ThreadStatusChanged(ThreadStatusChangedNotification {
            thread_id: "t".into(),
            status: thread::ThreadStatus::Idle,
        })
        .encode(7);
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({"method": "thread/status/changed", "params": {"threadId": "t", "status": {"type": "idle"}}, "emittedAtMs": 7})
        );
    }
}
