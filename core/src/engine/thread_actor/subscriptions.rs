//! Who hears a loaded thread: `thread/unsubscribe`, and the unsubscribed-and-idle test behind
//! host-driven unloading (PROTOCOL.md §4.9).

use tokio::sync::oneshot;

use super::{LoadedThread, Unloaded};
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

    /// Unloads the thread if it is unsubscribed and idle; `true` when the actor must stop.
    ///
    /// The check and the removal from the engine's registry happen here, in the actor, so no
    /// `thread/resume` can subscribe in between: one queued before this command makes the thread
    /// subscribed, one after it finds the thread gone and loads it from the store again.
    pub(super) fn unload_if_unsubscribed(&mut self, reply: oneshot::Sender<Option<Unloaded>>) -> bool {
        if !self.is_unsubscribed() {
            let _ = reply.send(None);
            return false;
        }
        {
            let mut threads = self.shared.threads.lock().unwrap_or_else(|poison| poison.into_inner());
            let id = &self.stored.thread.id;
            if threads.get(id).is_some_and(|handle| handle.tx.same_channel(&self.tx)) {
                threads.remove(id);
            }
        }
        let _ = reply.send(Some(Unloaded { stored: self.stored.clone(), subscribers: Vec::new() }));
        true
    }
}
