//! `model/list` params and response and the `Model` catalog entry (PROTOCOL.md §4.17, transcript 12).
//! Not to be confused with `crate::model`, the Responses API client.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// Input a model accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum InputModality {
    /// Text turns and tool payloads.
    Text,
    /// Image attachments.
    Image,
    /// Audio attachments.
    Audio,
}

/// One reasoning effort a model supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReasoningEffortOption {
    /// The effort value, e.g. `medium`.
    pub reasoning_effort: String,
    /// What it means, for a picker.
    pub description: String,
}

/// The model a catalog entry should be upgraded to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModelUpgradeInfo {
    /// The newer model.
    pub model: String,
    /// Short upgrade text.
    #[serde(default)]
    pub upgrade_copy: Option<String>,
    /// Link about the newer model.
    #[serde(default)]
    pub model_link: Option<String>,
    /// Longer migration text.
    #[serde(default)]
    pub migration_markdown: Option<String>,
    /// Unix seconds of the scheduled retirement, if known.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub retirement_at: Option<i64>,
}

/// A notice shown when a model becomes available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ModelAvailabilityNux {
    /// The notice.
    pub message: String,
}

/// A service tier a model offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ModelServiceTier {
    /// Tier id, e.g. `priority`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What it means.
    pub description: String,
}

/// One catalog entry of `model/list`. Every key is always written, in 0.169's order; a host's
/// catalog may leave out the keys the schema gives defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Model {
    /// Catalog id.
    pub id: String,
    /// The model slug sent to the provider.
    pub model: String,
    /// Id of the model to upgrade to.
    #[serde(default)]
    pub upgrade: Option<String>,
    /// Details of that upgrade.
    #[serde(default)]
    pub upgrade_info: Option<ModelUpgradeInfo>,
    /// Availability notice.
    #[serde(default)]
    pub availability_nux: Option<ModelAvailabilityNux>,
    /// Name for a picker.
    pub display_name: String,
    /// Description for a picker.
    pub description: String,
    /// Specialty tag, if any.
    #[serde(default)]
    pub model_specialty: Option<String>,
    /// Left out of `model/list` unless `includeHidden`.
    pub hidden: bool,
    /// Efforts the model supports.
    pub supported_reasoning_efforts: Vec<ReasoningEffortOption>,
    /// Effort used when a turn names none.
    pub default_reasoning_effort: String,
    /// Accepted inputs; `["text", "image"]` when the catalog says nothing.
    #[serde(default = "default_input_modalities")]
    pub input_modalities: Vec<InputModality>,
    /// Deprecated, always false upstream.
    #[serde(default)]
    pub supports_personality: bool,
    /// `disabled`, `v1` or `v2`.
    #[serde(default)]
    pub multi_agent_version: Option<String>,
    /// Deprecated tier names.
    #[serde(default)]
    pub additional_speed_tiers: Vec<String>,
    /// Service tiers offered.
    #[serde(default)]
    pub service_tiers: Vec<ModelServiceTier>,
    /// Default service tier id.
    #[serde(default)]
    pub default_service_tier: Option<String>,
    /// Access-program metadata; `null` when the catalog has none.
    #[serde(default)]
    #[ts(type = "unknown")]
    pub available_access_programs: Option<Value>,
    /// The entry a picker preselects.
    pub is_default: bool,
}

fn default_input_modalities() -> Vec<InputModality> {
    vec![InputModality::Text, InputModality::Image]
}

/// Params of `model/list`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModelListParams {
    /// The `nextCursor` of a previous page: a decimal offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cursor: Option<String>,
    /// Page size; the whole catalog when absent, at least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
    /// Include hidden entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub include_hidden: Option<bool>,
    /// Accepted and ignored: the core serves one host catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model_provider: Option<String>,
}

/// Result of `model/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModelListResponse {
    /// The page's entries, in catalog order.
    pub data: Vec<Model>,
    /// Offset of the next page as a string; `null` on the last one.
    pub next_cursor: Option<String>,
}
