//! What `thread/fork` reads from a loaded source thread: the parts only the live thread knows.

use super::LoadedThread;
use crate::protocol::thread::ThreadTokenUsage;
use crate::store::StoredThread;

/// A loaded thread as a fork sees it. Finished turns and model history are read from the store,
/// which the actor writes before it announces a turn's end (PROTOCOL.md §4.3).
pub(crate) struct ForkSource {
    /// The thread record as the actor holds it (overrides that stuck, the preview so far).
    pub stored: StoredThread,
    /// The running turn, if any: a fork cuts before it.
    pub active_turn_id: Option<String>,
    /// Token usage so far; as in 0.169, only a loaded source passes it on to its fork.
    pub usage: ThreadTokenUsage,
}

impl LoadedThread {
    pub(super) fn fork_source(&self) -> ForkSource {
        ForkSource {
            stored: self.stored.clone(),
            active_turn_id: self.active.as_ref().map(|active| active.turn.id.clone()),
            usage: self.usage,
        }
    }
}
