//! How a loaded thread stops: unloading when unsubscribed and idle (PROTOCOL.md §4.9), archiving
//! (§4.7) and deleting (§4.8), what it leaves behind, and the requests that reach it too late.
//! Archive and delete write the store from the actor, so a write the store refuses leaves the
//! thread loaded as it was.

use tokio::sync::{mpsc, oneshot};

use super::{LoadedThread, ThreadCommand, Unloaded};
use crate::engine::handlers::thread::rename_stored;
use crate::protocol::error;
use crate::protocol::thread::{ThreadUnsubscribeResponse, ThreadUnsubscribeStatus};
use crate::store::StoreError;

impl LoadedThread {
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
        self.deregister();
        self.leave();
        let _ = reply.send(Some(Unloaded { subscribers: Vec::new() }));
        true
    }

    /// Handles `thread/archive` of a loaded thread: stores the record archived, then leaves the
    /// registry; `true` when the actor must stop. A refused write leaves the thread loaded, so a
    /// failed archive changes nothing.
    pub(super) async fn archive(&mut self, reply: oneshot::Sender<Result<Unloaded, StoreError>>) -> bool {
        let mut archived = self.stored.clone();
        archived.archived = true;
        if let Err(error) = self.shared.thread_store.update(archived.clone()).await {
            let _ = reply.send(Err(error));
            return false;
        }
        self.stored = archived;
        self.deregister();
        let _ = reply.send(Ok(self.leave()));
        true
    }

    /// Handles `thread/delete` of a loaded thread: deletes its queued turns and its stored thread,
    /// then leaves the registry; `true` when the actor must stop. A refused delete leaves the
    /// thread loaded (its queue may be gone already).
    pub(super) async fn delete(&mut self, reply: oneshot::Sender<Result<(Unloaded, bool), StoreError>>) -> bool {
        let thread_id = self.stored.thread.id.clone();
        let deleted = async {
            self.shared.queue_store.delete_thread(thread_id.clone()).await?;
            self.shared.thread_store.delete(thread_id.clone()).await
        }
        .await;
        match deleted {
            Err(error) => {
                let _ = reply.send(Err(error));
                false
            }
            Ok(existed) => {
                // Its rows are gone, so no dispatch write is owed any more.
                self.unsettled = None;
                self.deregister();
                let _ = reply.send(Ok((self.leave(), existed)));
                true
            }
        }
    }

    /// What the thread leaves behind as the actor stops. A dispatch write the store still owes
    /// goes to the engine, for the thread's next actor to settle.
    pub(super) fn leave(&mut self) -> Unloaded {
        if let Some(unsettled) = self.unsettled.take() {
            self.shared.stash_unsettled_dispatch(&self.stored.thread.id, unsettled);
        }
        Unloaded { subscribers: self.subscribers.clone() }
    }

    /// Takes this actor out of the engine's registry, unless another actor holds the id by now.
    fn deregister(&self) {
        let mut threads = self.shared.threads.lock().unwrap_or_else(|poison| poison.into_inner());
        let id = &self.stored.thread.id;
        if threads.get(id).is_some_and(|handle| handle.tx.same_channel(&self.tx)) {
            threads.remove(id);
        }
    }

    /// After the actor stopped: requests already on their way are answered as they would be had
    /// the thread not been loaded, so none goes unanswered.
    pub(super) async fn answer_late_commands(&self, rx: &mut mpsc::UnboundedReceiver<ThreadCommand>) {
        rx.close();
        let thread_id = &self.stored.thread.id;
        while let Ok(command) = rx.try_recv() {
            match command {
                ThreadCommand::SetName { name, responder } => {
                    rename_stored(&self.shared, thread_id.clone(), name, responder).await;
                }
                ThreadCommand::Unsubscribe { responder } => {
                    responder.ok(ThreadUnsubscribeResponse { status: ThreadUnsubscribeStatus::NotLoaded });
                }
                command => {
                    if let Some(responder) = command.into_responder() {
                        responder.err(error::thread_not_found(thread_id));
                    }
                }
            }
        }
    }
}
