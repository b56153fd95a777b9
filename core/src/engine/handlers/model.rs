//! `model/list` (PROTOCOL.md §4.17, transcript 12): the host's catalog, paged by a decimal offset.

use crate::engine::EngineOptions;
use crate::engine::connection::Ctx;
use crate::engine::outbox::Responder;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::model::{InputModality, Model, ModelListParams, ModelListResponse, ReasoningEffortOption};

/// Handles `model/list`: hidden entries only with `includeHidden`; without `limit`, the whole rest of
/// the catalog; `nextCursor` is the offset of the next entry as a string (`limit:1` → `"1"`).
pub fn list(ctx: &Ctx, params: ModelListParams, responder: Responder) {
    responder.send(page(&ctx.shared.options, params));
}

fn page(options: &EngineOptions, params: ModelListParams) -> Result<ModelListResponse, RpcError> {
    let include_hidden = params.include_hidden.unwrap_or(false);
    let models: Vec<Model> = catalog(options).into_iter().filter(|model| include_hidden || !model.hidden).collect();
    let total = models.len();
    if total == 0 {
        // As upstream: an empty catalog answers an empty page, whatever the cursor.
        return Ok(ModelListResponse { data: Vec::new(), next_cursor: None });
    }
    let start = match &params.cursor {
        None => 0,
        Some(cursor) => cursor.parse::<usize>().map_err(|_| error::invalid_cursor(cursor))?,
    };
    if start > total {
        return Err(error::model_cursor_past_end(start, total));
    }
    let limit = params.limit.map_or(total, |limit| limit.max(1) as usize);
    let data: Vec<Model> = models.into_iter().skip(start).take(limit).collect();
    let end = start + data.len();
    Ok(ModelListResponse { data, next_cursor: (end < total).then(|| end.to_string()) })
}

/// The host's catalog, or one default entry for `options.model` when the host gave none.
fn catalog(options: &EngineOptions) -> Vec<Model> {
    if !options.models.is_empty() {
        return options.models.clone();
    }
    let effort = |effort: &str, description: &str| ReasoningEffortOption {
        reasoning_effort: effort.into(),
        description: description.into(),
    };
    vec![Model {
        id: options.model.clone(),
        model: options.model.clone(),
        upgrade: None,
        upgrade_info: None,
        availability_nux: None,
        display_name: options.model.clone(),
        description: "The engine's default model.".into(),
        model_specialty: None,
        hidden: false,
        supported_reasoning_efforts: vec![
            effort("low", "Quicker answers with less reasoning"),
            effort("medium", "A balance of speed and reasoning"),
            effort("high", "More reasoning for harder problems"),
        ],
        default_reasoning_effort: "medium".into(),
        input_modalities: vec![InputModality::Text, InputModality::Image],
        supports_personality: false,
        multi_agent_version: None,
        additional_speed_tiers: Vec::new(),
        service_tiers: Vec::new(),
        default_service_tier: None,
        available_access_programs: None,
        is_default: true,
    }]
}
