//! Host tools (experimental `dynamicTools`): the `item/tool/call` server request and the client's
//! answer (PROTOCOL.md §3.8, §7.5).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The server request method that asks the client to run a host tool.
pub const TOOL_CALL_METHOD: &str = "item/tool/call";

/// `item/tool/call` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DynamicToolCallParams {
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
    /// The model's `call_id`; also the item id.
    pub call_id: String,
    /// The tool's namespace, when it was declared in one.
    pub namespace: Option<String>,
    /// The tool name.
    pub tool: String,
    /// The model's arguments, parsed from its JSON text.
    #[ts(type = "unknown")]
    pub arguments: Value,
}

/// One piece of a tool's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum DynamicToolCallOutputContentItem {
    /// Text for the model.
    InputText {
        /// The text.
        text: String,
    },
    /// An image for the model.
    InputImage {
        /// Its URL (a data URL from a browser host).
        image_url: String,
    },
    /// Audio for the model.
    InputAudio {
        /// Its URL.
        audio_url: String,
    },
}

/// The client's answer to `item/tool/call`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DynamicToolCallResponse {
    /// What the tool produced, for the model.
    pub content_items: Vec<DynamicToolCallOutputContentItem>,
    /// False marks the call failed; the content still goes to the model.
    pub success: bool,
}

/// Where a dynamic tool call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DynamicToolCallStatus {
    /// Waiting for the client.
    InProgress,
    /// Answered with `success: true`.
    Completed,
    /// Answered with `success: false`, an error, an invalid answer, or cancelled.
    Failed,
}
