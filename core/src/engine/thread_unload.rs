//! Host-driven unloading (PROTOCOL.md §4.9, §7.9): 0.169 unloads a thread that has had no
//! subscriber and no activity for 30 minutes; the core has no timers, so the host asks which
//! threads qualify and decides when to unload them.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::EngineShared;
use super::outbox::broadcast;
use super::thread_actor::ThreadCommand;
use crate::ids;
use crate::protocol::ServerNotification;
use crate::protocol::thread::{ThreadIdNotification, ThreadStatus, ThreadStatusChangedNotification};

/// Loaded threads with no open subscriber and no running turn, sorted.
pub(crate) async fn unsubscribed_threads(shared: &Arc<EngineShared>) -> Vec<String> {
    let loaded: Vec<_> = {
        let threads = shared.threads.lock().unwrap_or_else(|poison| poison.into_inner());
        threads.iter().map(|(id, handle)| (id.clone(), handle.clone())).collect()
    };
    let mut unsubscribed = Vec::new();
    for (thread_id, handle) in loaded {
        let (reply, answer) = oneshot::channel();
        if handle.send(ThreadCommand::IsUnsubscribed { reply }) && answer.await == Ok(true) {
            unsubscribed.push(thread_id);
        }
    }
    unsubscribed.sort();
    unsubscribed
}

/// Unloads one loaded, unsubscribed, idle thread and announces it; `false` if it was not that.
///
/// Who hears it: 0.169 sends the `thread/status/changed notLoaded` and `thread/closed` of an
/// unload to every initialized connection (its `send_server_notification` is a broadcast), not to
/// subscribers, since an unloaded thread has none by definition. The core does the same, so a
/// client that unsubscribed, or only listed the thread, learns that it closed.
pub(crate) async fn unload_thread(shared: &Arc<EngineShared>, thread_id: &str) -> bool {
    let Ok(thread_id) = ids::parse_thread_id(thread_id) else {
        return false;
    };
    let Some(handle) = shared.loaded_thread(&thread_id) else {
        return false;
    };
    let (reply, answer) = oneshot::channel();
    if !handle.send(ThreadCommand::UnloadIfUnsubscribed { reply }) {
        return false;
    }
    let Ok(Some(_unloaded)) = answer.await else {
        return false;
    };
    let recipients = shared.initialized_connections();
    let status = ServerNotification::ThreadStatusChanged(ThreadStatusChangedNotification {
        thread_id: thread_id.clone(),
        status: ThreadStatus::NotLoaded,
    });
    broadcast(&recipients, &status, shared.now_ms());
    broadcast(&recipients, &ServerNotification::ThreadClosed(ThreadIdNotification { thread_id }), shared.now_ms());
    true
}
