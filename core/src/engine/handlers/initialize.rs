//! `initialize` (PROTOCOL.md §2).

use std::collections::HashSet;

use crate::engine::connection::Ctx;
use crate::engine::outbox::{ClientSession, Responder};
use crate::engine::{COMPATIBLE_CODEX_VERSION, SPINDLE_VERSION};
use crate::protocol::error;
use crate::protocol::initialize::{InitializeParams, InitializeResponse};

/// Handles `initialize`: records the client session once; a second call is refused.
pub fn initialize(ctx: &Ctx, params: InitializeParams, responder: Responder) {
    let options = &ctx.shared.options;
    let client = &params.client_info;
    // The `<name>/<version>` prefix is what clients parse to pick features, so it carries the
    // codex version we are wire-compatible with, not Spindle's own (PROTOCOL.md §2).
    let user_agent = format!(
        "{name}/{COMPATIBLE_CODEX_VERSION} (spindle {SPINDLE_VERSION}; {platform}) ({name}; {version})",
        name = client.name,
        platform = options.platform,
        version = client.version,
    );
    let capabilities = params.capabilities.clone().unwrap_or_default();
    let session = ClientSession {
        client_info: params.client_info,
        experimental_api: capabilities.experimental_api,
        opt_out: capabilities.opt_out_notification_methods.unwrap_or_default().into_iter().collect::<HashSet<_>>(),
        user_agent: user_agent.clone(),
    };
    if !ctx.outbox.initialize(session) {
        return responder.err(error::already_initialized());
    }
    responder.ok(InitializeResponse {
        user_agent,
        codex_home: options.codex_home.clone(),
        platform_family: options.platform_family.clone(),
        platform_os: options.platform_os.clone(),
    });
}
