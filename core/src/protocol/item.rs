//! Thread items, user input, and the item notifications (PROTOCOL.md §3.5, §3.6, §7).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::tool::{DynamicToolCallOutputContentItem, DynamicToolCallStatus};

/// Byte span inside a text input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ByteRange {
    /// Start offset, inclusive.
    pub start: u32,
    /// End offset, exclusive.
    pub end: u32,
}

/// A UI-defined span within a text input, echoed back verbatim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TextElement {
    /// Where the element sits in the text.
    pub byte_range: ByteRange,
    /// Optional display placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub placeholder: Option<String>,
}

/// One piece of user input (PROTOCOL.md §3.6). The core supports `text` and data-URL `image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum UserInput {
    /// Plain text; note the snake_case `text_elements`, as on the wire.
    Text {
        /// The text.
        text: String,
        /// UI spans; `[]` when omitted.
        #[serde(default)]
        text_elements: Vec<TextElement>,
    },
    /// An image given as a URL (only `data:` URLs are accepted).
    Image {
        /// The image URL.
        url: String,
        /// `low`, `high`, `auto` or `original`; the model request defaults to `high`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional = nullable)]
        detail: Option<String>,
    },
}

/// The part of an item that depends on its `type` (PROTOCOL.md §3.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum ItemDetails {
    /// The user's input for a turn.
    UserMessage {
        /// The request's `clientUserMessageId`.
        client_id: Option<String>,
        /// Echo of the input.
        content: Vec<UserInput>,
    },
    /// Text the model wrote.
    AgentMessage {
        /// Always `null` in the core.
        #[ts(type = "unknown")]
        moderation: Option<Value>,
        /// The message text (empty in `item/started`).
        text: String,
        /// `commentary`, `partial_answer`, `final_answer`, or `null`.
        phase: Option<String>,
        /// Always `null` in the core.
        #[ts(type = "unknown")]
        memory_citation: Option<Value>,
        /// Always `null` in the core.
        #[ts(type = "unknown")]
        delivery: Option<Value>,
        /// Always `null` in the core.
        #[ts(type = "unknown")]
        questions: Option<Value>,
    },
    /// The model's reasoning summary and raw reasoning text.
    Reasoning {
        /// One entry per summary part.
        summary: Vec<String>,
        /// Raw reasoning text parts.
        content: Vec<String>,
    },
    /// A call of a host tool (PROTOCOL.md §7.5); the id is the model's `call_id`.
    DynamicToolCall {
        /// The tool's namespace, if any.
        namespace: Option<String>,
        /// The tool name.
        tool: String,
        /// The parsed arguments.
        #[ts(type = "unknown")]
        arguments: Value,
        /// Where the call stands.
        status: DynamicToolCallStatus,
        /// The client's output, once answered.
        content_items: Option<Vec<DynamicToolCallOutputContentItem>>,
        /// The client's verdict, once answered.
        success: Option<bool>,
        /// From the request to the answer.
        #[ts(type = "number | null")]
        duration_ms: Option<i64>,
    },
    /// Marks a compaction of the thread's history.
    ContextCompaction {},
}

/// A thread item: a flat object `{type, id, …, startedAtMs, completedAtMs}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadItem {
    /// Server UUID for user messages; the Responses item id (`msg_…`) for model output.
    pub id: String,
    /// Type-specific fields, including `type`.
    #[serde(flatten)]
    pub details: ItemDetails,
    /// Unix ms.
    #[ts(type = "number | null")]
    pub started_at_ms: Option<i64>,
    /// Unix ms; `null` while in progress.
    #[ts(type = "number | null")]
    pub completed_at_ms: Option<i64>,
}

impl ThreadItem {
    /// True for items `turn/completed` lists in its `summary` view.
    pub fn is_agent_message(&self) -> bool {
        matches!(self.details, ItemDetails::AgentMessage { .. })
    }
}

/// `item/started` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemStartedNotification {
    /// The item as it starts.
    pub item: ThreadItem,
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// Unix ms.
    #[ts(type = "number")]
    pub started_at_ms: i64,
}

/// `item/completed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemCompletedNotification {
    /// The finished item.
    pub item: ThreadItem,
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// Always `null` in the core.
    #[ts(type = "number | null")]
    pub content_token_count: Option<i64>,
    /// Unix ms.
    #[ts(type = "number")]
    pub completed_at_ms: i64,
}

/// `item/agentMessage/delta` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AgentMessageDeltaNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The agent message item.
    pub item_id: String,
    /// Text to append.
    pub delta: String,
}

/// `item/reasoning/summaryPartAdded` params: a new summary part begins (PROTOCOL.md §7.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReasoningSummaryPartAddedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The reasoning item.
    pub item_id: String,
    /// Index of the new part in `summary`.
    #[ts(type = "number")]
    pub summary_index: i64,
}

/// `item/reasoning/summaryTextDelta` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReasoningSummaryTextDeltaNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The reasoning item.
    pub item_id: String,
    /// Text to append to the summary part.
    pub delta: String,
    /// Which summary part.
    #[ts(type = "number")]
    pub summary_index: i64,
}

/// `item/reasoning/textDelta` params: raw reasoning text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReasoningTextDeltaNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The reasoning item.
    pub item_id: String,
    /// Text to append to the content part.
    pub delta: String,
    /// Which content part.
    #[ts(type = "number")]
    pub content_index: i64,
}
