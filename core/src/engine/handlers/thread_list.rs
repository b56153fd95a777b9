//! `thread/list` (PROTOCOL.md §4.5, transcript 07): stored threads by page, each shown the way this
//! engine has it: a loaded thread as its actor sees it, any other one `notLoaded`.

use std::collections::BTreeMap;

use crate::engine::connection::Ctx;
use crate::engine::cursor;
use crate::engine::handlers::thread::loaded_snapshot;
use crate::engine::outbox::Responder;
use crate::protocol::error;
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::thread::{Thread, ThreadStatus};
use crate::protocol::thread_list::{
    SortDirection, ThreadListCwdFilter, ThreadListParams, ThreadListResponse, ThreadSourceKind,
};
use crate::store::{StoredThread, ThreadListQuery};

/// What 0.169 lists when `sourceKinds` is absent or empty.
const INTERACTIVE_SOURCES: [ThreadSourceKind; 2] = [ThreadSourceKind::Cli, ThreadSourceKind::Vscode];

/// Handles `thread/list`. Every filter runs in the store, before it counts the page, so a page is
/// never short for a reason other than the end of the list.
pub async fn list(ctx: &Ctx, params: ThreadListParams, responder: Responder) {
    responder.send(page(ctx, params).await);
}

async fn page(ctx: &Ctx, params: ThreadListParams) -> Result<ThreadListResponse, RpcError> {
    let limit = cursor::page_limit(params.limit);
    let query = ThreadListQuery {
        anchor: params.cursor.as_deref().map(cursor::thread_list_anchor).transpose()?,
        // One more than the page, to learn whether a next page exists.
        limit: limit + 1,
        archived: params.archived.unwrap_or(false),
        sort_key: params.sort_key.unwrap_or_default(),
        ascending: params.sort_direction == Some(SortDirection::Asc),
        cwds: match params.cwd {
            None => Vec::new(),
            Some(ThreadListCwdFilter::One(cwd)) => vec![cwd],
            Some(ThreadListCwdFilter::Many(cwds)) => cwds,
        },
        model_providers: params.model_providers.unwrap_or_default(),
        source_kinds: match params.source_kinds {
            Some(kinds) if !kinds.is_empty() => kinds,
            _ => INTERACTIVE_SOURCES.to_vec(),
        },
        search_term: params.search_term,
    };
    let mut threads = ctx
        .shared
        .thread_store
        .list(query.clone())
        .await
        .map_err(|error| error::store_failed("list threads", error))?;
    let more = threads.len() > limit as usize;
    threads.truncate(limit as usize);
    let next_cursor =
        threads.last().filter(|_| more).map(|last| cursor::thread_list_next(query.sort_value(last), &last.thread.id));
    let backwards_cursor = threads.first().map(|first| cursor::thread_list_backwards(query.sort_value(first)));
    // Loaded threads answer from their actors; asking them all at once costs one round trip, not one per thread.
    let data = futures::future::join_all(threads.into_iter().map(|stored| listed(ctx, stored))).await;
    Ok(ThreadListResponse { data, read_states: Some(BTreeMap::new()), next_cursor, backwards_cursor })
}

/// A thread as `thread/list` shows it: `turns: []` and `canAcceptDirectInput: null` even when
/// loaded (transcript 07); a loaded thread's status and environments come from its actor.
async fn listed(ctx: &Ctx, stored: StoredThread) -> Thread {
    let mut thread = match loaded_snapshot(ctx, &stored.thread.id, false).await {
        Some(thread) => thread,
        None => {
            let mut thread = stored.thread;
            thread.status = ThreadStatus::NotLoaded;
            thread.environments = None;
            thread
        }
    };
    thread.can_accept_direct_input = None;
    thread.turns = Vec::new();
    thread
}
