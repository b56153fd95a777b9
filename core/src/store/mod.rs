//! Storage the host provides: the thread store and the queue store (ARCHITECTURE.md "Storage
//! adapters"), their in-memory defaults, the JSON bridge the bindings use for JS adapters, the
//! serving side of that bridge for native stores, the conformance suite every store runs, and
//! fault-injecting wrappers for robustness tests.

pub mod bridge;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
#[cfg(any(test, feature = "faults"))]
pub mod faults;
pub mod history;
pub mod memory;
pub mod memory_queue;
pub mod queue_store;
pub mod serve;
pub mod thread_list;
pub mod thread_store;

pub use queue_store::{ClaimOutcome, QueueStore, QueuedTurnPage, QueuedTurnRow, QueuedTurnState};
pub use thread_list::{ThreadListAnchor, ThreadListQuery};
pub use thread_store::{HistoryRecord, StoredThread, ThreadSettings, ThreadStore};

/// A storage adapter failed; the message is the adapter's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The adapter rejected or threw.
    #[error("{0}")]
    Adapter(String),
    /// The adapter answered with data core cannot decode.
    #[error("invalid store data: {0}")]
    InvalidData(String),
}
