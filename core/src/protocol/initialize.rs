//! `initialize` params and response (PROTOCOL.md §2).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who the client is; `name` becomes the `originator` of its threads and model requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClientInfo {
    /// Client name, e.g. `my_ext`.
    pub name: String,
    /// Optional display title.
    #[serde(default)]
    pub title: Option<String>,
    /// Client version.
    pub version: String,
}

/// Capabilities the core honours; other members are accepted and ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InitializeCapabilities {
    /// Opts in to experimental methods, fields and notifications.
    #[serde(default)]
    pub experimental_api: bool,
    /// Exact notification method names this connection does not want.
    #[serde(default)]
    pub opt_out_notification_methods: Option<Vec<String>>,
}

/// Params of `initialize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InitializeParams {
    /// The client's identity.
    pub client_info: ClientInfo,
    /// Absent, `null` and `{}` all mean "no experimental API".
    #[serde(default)]
    pub capabilities: Option<InitializeCapabilities>,
}

/// Result of `initialize`. Upstream sends no `serverInfo` and neither do we (PROTOCOL.md §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InitializeResponse {
    /// `<client name>/<compatible codex version> (spindle <version>; <platform>) (<client name>; <client version>)`.
    pub user_agent: String,
    /// The host's logical Codex home.
    pub codex_home: String,
    /// e.g. `unix`.
    pub platform_family: String,
    /// e.g. `linux`.
    pub platform_os: String,
}
