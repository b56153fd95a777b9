//! Who hears a loaded thread: `thread/unsubscribe`, and the unsubscribed-and-idle test behind
//! host-driven unloading (PROTOCOL.md §4.9).

use super::LoadedThread;
use crate::engine::outbox::Responder;
use crate::protocol::thread::{ThreadUnsubscribeResponse, ThreadUnsubscribeStatus};

impl LoadedThread {
    /// Handles `thread/unsubscribe`: the thread stays loaded; the requester stops hearing it. The
    /// answer comes after every notification the requester was still sent.
    pub(super) fn unsubscribe(&mut self, responder: Responder) {
        let before = self.subscribers.len();
        self.subscribers.retain(|outbox| outbox.id != responder.outbox.id);
        let status = if self.subscribers.len() < before {
            ThreadUnsubscribeStatus::Unsubscribed
        } else {
            ThreadUnsubscribeStatus::NotSubscribed
        };
        responder.ok(ThreadUnsubscribeResponse { status });
    }

    /// No open connection is subscribed and no turn runs. Closed connections are dropped here too,
    /// so a client that went away never keeps a thread loaded.
    pub(super) fn is_unsubscribed(&mut self) -> bool {
        self.subscribers.retain(|outbox| !outbox.is_closed());
        self.subscribers.is_empty() && self.active.is_none()
    }
}
