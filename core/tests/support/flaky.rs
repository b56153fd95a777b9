//! Engines over stores that misbehave on purpose: memory stores behind the fault-injecting
//! wrappers (kept at hand for audits), and a thread store that holds a write until released.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::channel::oneshot;
use spindle_core::host::{BoxFut, boxed};
use spindle_core::store::faults::{Faults, FaultyQueueStore, FaultyThreadStore};
use spindle_core::store::memory::MemoryThreadStore;
use spindle_core::store::memory_queue::MemoryQueueStore;
use spindle_core::store::thread_store::{HistoryRecord, LoadedHistory};
use spindle_core::store::{StoreError, StoredThread, ThreadListQuery, ThreadStore};
use spindle_core::{Engine, ModelTransport};

use super::{engine_over, test_options};

/// The fault plan of a flaky engine and the memory stores behind its wrappers.
pub struct FlakyStores {
    pub faults: Arc<Faults>,
    pub threads: Arc<MemoryThreadStore>,
    pub queue: Arc<MemoryQueueStore>,
}

/// An engine whose thread and queue stores refuse `rate` of their calls, drawn from `seed`.
pub fn flaky_engine(transport: Option<Arc<dyn ModelTransport>>, seed: u64, rate: f64) -> (Engine, FlakyStores) {
    let stores = FlakyStores {
        faults: Faults::new(seed, rate),
        threads: Arc::new(MemoryThreadStore::new()),
        queue: Arc::new(MemoryQueueStore::new()),
    };
    let engine = engine_over(
        test_options(),
        transport,
        Some(Arc::new(FaultyThreadStore::new(stores.threads.clone(), stores.faults.clone()))),
        Some(Arc::new(FaultyQueueStore::new(stores.queue.clone(), stores.faults.clone()))),
    );
    (engine, stores)
}

/// A memory thread store whose next `update` waits, once [`GatedThreadStore::shut`], until the
/// returned sender fires or is dropped.
#[derive(Default)]
pub struct GatedThreadStore {
    pub inner: MemoryThreadStore,
    gate: Mutex<Option<oneshot::Receiver<()>>>,
    holding: Arc<AtomicBool>,
}

impl GatedThreadStore {
    /// Holds the next `update`; send on (or drop) the result to let it through.
    pub fn shut(&self) -> oneshot::Sender<()> {
        let (open, gate) = oneshot::channel();
        *self.gate.lock().unwrap() = Some(gate);
        open
    }

    /// Whether an `update` is waiting at the gate now.
    pub fn holding(&self) -> bool {
        self.holding.load(Ordering::SeqCst)
    }
}

impl ThreadStore for GatedThreadStore {
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.inner.create(thread)
    }

    fn append(&self, thread_id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>> {
        self.inner.append(thread_id, records)
    }

    fn load(&self, thread_id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>> {
        self.inner.load(thread_id, tail)
    }

    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        let gate = self.gate.lock().unwrap().take();
        let holding = self.holding.clone();
        boxed(async move {
            if let Some(gate) = gate {
                holding.store(true, Ordering::SeqCst);
                let _ = gate.await;
                holding.store(false, Ordering::SeqCst);
            }
            self.inner.update(thread).await
        })
    }

    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>> {
        self.inner.list(query)
    }

    fn delete(&self, thread_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.inner.delete(thread_id)
    }
}
