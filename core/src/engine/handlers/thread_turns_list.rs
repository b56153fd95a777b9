//! `thread/turns/list` (PROTOCOL.md §4.12, transcript 03): a thread's turns by page, from its actor
//! when loaded (the running turn included), else from the store.

use crate::engine::connection::Ctx;
use crate::engine::cursor;
use crate::engine::handlers::thread::loaded_snapshot;
use crate::engine::outbox::Responder;
use crate::ids;
use crate::protocol::error;
use crate::protocol::item::{ItemDetails, ThreadItem};
use crate::protocol::jsonrpc::RpcError;
use crate::protocol::thread_list::{SortDirection, ThreadTurnsListParams, ThreadTurnsListResponse};
use crate::protocol::turn::{Turn, TurnItemsView};

/// Handles `thread/turns/list`.
pub async fn list(ctx: &Ctx, params: ThreadTurnsListParams, responder: Responder) {
    responder.send(page(ctx, params).await);
}

async fn page(ctx: &Ctx, params: ThreadTurnsListParams) -> Result<ThreadTurnsListResponse, RpcError> {
    let thread_id = ids::parse_thread_id(&params.thread_id)?;
    let view = params.items_view.unwrap_or(TurnItemsView::Summary);
    let turns = thread_turns(ctx, &thread_id).await?.into_iter().map(|turn| in_view(turn, view)).collect();
    paginate(turns, params.cursor.as_deref(), params.limit, params.sort_direction.unwrap_or_default())
}

/// Every turn of the thread, oldest first, with all items.
async fn thread_turns(ctx: &Ctx, thread_id: &str) -> Result<Vec<Turn>, RpcError> {
    if let Some(thread) = loaded_snapshot(ctx, thread_id, true).await {
        if thread.ephemeral {
            return Err(error::ephemeral_turns_list());
        }
        return Ok(thread.turns);
    }
    let history = ctx
        .shared
        .thread_store
        .load(thread_id.to_owned(), None)
        .await
        .map_err(|error| error::store_failed("read thread", error))?
        .ok_or_else(|| error::thread_not_loaded(thread_id))?;
    Ok(history.into_parts().1)
}

/// A turn with only the items `view` asks for. `summary` is the first user message and the last
/// agent message, as upstream builds it.
fn in_view(mut turn: Turn, view: TurnItemsView) -> Turn {
    match view {
        TurnItemsView::Full => {}
        TurnItemsView::NotLoaded => turn.items.clear(),
        TurnItemsView::Summary => {
            let user = turn.items.iter().find(|item| matches!(item.details, ItemDetails::UserMessage { .. }));
            let agent = turn.items.iter().rev().find(|item| item.is_agent_message());
            turn.items = user.into_iter().chain(agent).cloned().collect::<Vec<ThreadItem>>();
        }
    }
    turn.items_view = view;
    turn
}

/// One page of `turns` (oldest first) in `direction`, after or at the cursor's anchor turn.
fn paginate(
    turns: Vec<Turn>,
    cursor: Option<&str>,
    limit: Option<u32>,
    direction: SortDirection,
) -> Result<ThreadTurnsListResponse, RpcError> {
    if turns.is_empty() {
        return Ok(ThreadTurnsListResponse { data: Vec::new(), next_cursor: None, backwards_cursor: None });
    }
    let anchor = cursor.map(cursor::turns_anchor).transpose()?;
    let limit = cursor::page_limit(limit) as usize;
    let mut ordered = turns;
    if direction == SortDirection::Desc {
        ordered.reverse();
    }
    if let Some(anchor) = anchor {
        let Some(position) = ordered.iter().position(|turn| turn.id == anchor.turn_id) else {
            return Err(error::turns_cursor_anchor_gone());
        };
        let skip = if anchor.include_anchor { position } else { position + 1 };
        ordered.drain(..skip.min(ordered.len()));
    }
    let more = ordered.len() > limit;
    ordered.truncate(limit);
    let backwards_cursor = ordered.first().map(|turn| cursor::turns_cursor(&turn.id, true));
    let next_cursor = ordered.last().filter(|_| more).map(|turn| cursor::turns_cursor(&turn.id, false));
    Ok(ThreadTurnsListResponse { data: ordered, next_cursor, backwards_cursor })
}
