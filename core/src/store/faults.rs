//! Fault injection for stores (feature `faults`): wrappers around a thread store and a queue
//! store that refuse a configurable share of calls, chosen by a seeded generator, so tests can
//! prove the engine answers, recovers and keeps the queue rules when its storage adapter fails.
//!
//! A refused call never reaches the wrapped store, the way a JS adapter rejects before it writes.
//! Call `n` (counted over both wrappers sharing one [`Faults`]) fails when a SplitMix64 draw from
//! `seed` and `n` falls under the rate, so a single-threaded run is reproducible from its seed; a
//! concurrent one gets the same sequence of verdicts, dealt to calls in scheduling order.
//! [`Faults::fail_next`] refuses chosen calls of one operation, for tests of one failure at a time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::StoreError;
use super::queue_store::{ClaimOutcome, QueueStore, QueuedTurnRow};
use super::thread_list::ThreadListQuery;
use super::thread_store::{HistoryRecord, LoadedHistory, StoredThread, ThreadStore};
use crate::host::{BoxFut, MaybeSend, boxed};
use crate::protocol::turn::TurnError;

/// Every injected error's message starts with this, followed by the operation in parentheses.
pub const FAULT_MESSAGE: &str = "injected store fault";

/// Rates are kept in parts per million, so they can change atomically while calls run.
const PPM: u64 = 1_000_000;

/// How often one operation was called through the wrappers, and how often it was refused.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OpCount {
    /// Calls made.
    pub calls: u64,
    /// Calls refused with an injected fault.
    pub failed: u64,
}

/// The fault plan one or more wrappers share: seed, current rate and what happened so far.
pub struct Faults {
    seed: u64,
    rate_ppm: AtomicU32,
    next_call: AtomicU64,
    counts: Mutex<BTreeMap<&'static str, OpCount>>,
    /// Calls of an operation still to refuse whatever the rate, by operation.
    forced: Mutex<BTreeMap<&'static str, u32>>,
}

impl Faults {
    /// A plan that refuses about `rate` (0.0–1.0) of all calls, drawn from `seed`.
    pub fn new(seed: u64, rate: f64) -> Arc<Faults> {
        let faults = Faults {
            seed,
            rate_ppm: AtomicU32::new(0),
            next_call: AtomicU64::new(0),
            counts: Mutex::new(BTreeMap::new()),
            forced: Mutex::new(BTreeMap::new()),
        };
        faults.set_rate(rate);
        Arc::new(faults)
    }

    /// Changes the share of calls refused from now on; `0.0` stops the faults.
    pub fn set_rate(&self, rate: f64) {
        let ppm = (rate.clamp(0.0, 1.0) * PPM as f64).round() as u32;
        self.rate_ppm.store(ppm, Ordering::Relaxed);
    }

    /// Refuses the next `times` calls of `op` (`queue.remove_dispatched`, …), whatever the rate.
    pub fn fail_next(&self, op: &'static str, times: u32) {
        *self.forced.lock().unwrap_or_else(|poison| poison.into_inner()).entry(op).or_default() += times;
    }

    /// Calls and refusals per operation (`threads.append`, `queue.claim_head`, …).
    pub fn counts(&self) -> BTreeMap<&'static str, OpCount> {
        self.counts.lock().unwrap_or_else(|poison| poison.into_inner()).clone()
    }

    /// Refusals so far, over every operation.
    pub fn injected(&self) -> u64 {
        self.counts().values().map(|count| count.failed).sum()
    }

    /// Counts a call of `op` and decides whether it is refused.
    fn draw(&self, op: &'static str) -> Result<(), StoreError> {
        let n = self.next_call.fetch_add(1, Ordering::Relaxed);
        let forced = {
            let mut forced = self.forced.lock().unwrap_or_else(|poison| poison.into_inner());
            forced.get_mut(op).filter(|left| **left > 0).map(|left| *left -= 1).is_some()
        };
        let refused = forced
            || splitmix64(self.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15)) % PPM
                < u64::from(self.rate_ppm.load(Ordering::Relaxed));
        let mut counts = self.counts.lock().unwrap_or_else(|poison| poison.into_inner());
        let count = counts.entry(op).or_default();
        count.calls += 1;
        if refused {
            count.failed += 1;
            return Err(StoreError::Adapter(format!("{FAULT_MESSAGE} ({op})")));
        }
        Ok(())
    }

    /// Runs `call` unless this call of `op` is refused.
    fn guard<'a, T: MaybeSend + 'a>(
        &self,
        op: &'static str,
        call: impl FnOnce() -> BoxFut<'a, Result<T, StoreError>>,
    ) -> BoxFut<'a, Result<T, StoreError>> {
        match self.draw(op) {
            Ok(()) => call(),
            Err(error) => boxed(async move { Err(error) }),
        }
    }
}

/// One step of SplitMix64: a well-mixed 64-bit value for each input.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A thread store whose calls fail as its [`Faults`] decide.
pub struct FaultyThreadStore {
    inner: Arc<dyn ThreadStore>,
    faults: Arc<Faults>,
}

impl FaultyThreadStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ThreadStore>, faults: Arc<Faults>) -> FaultyThreadStore {
        FaultyThreadStore { inner, faults }
    }
}

impl ThreadStore for FaultyThreadStore {
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.faults.guard("threads.create", || self.inner.create(thread))
    }

    fn append(&self, thread_id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>> {
        self.faults.guard("threads.append", || self.inner.append(thread_id, records))
    }

    fn load(&self, thread_id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>> {
        self.faults.guard("threads.load", || self.inner.load(thread_id, tail))
    }

    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.faults.guard("threads.update", || self.inner.update(thread))
    }

    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>> {
        self.faults.guard("threads.list", || self.inner.list(query))
    }

    fn delete(&self, thread_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.faults.guard("threads.delete", || self.inner.delete(thread_id))
    }
}

/// A queue store whose calls fail as its [`Faults`] decide.
pub struct FaultyQueueStore {
    inner: Arc<dyn QueueStore>,
    faults: Arc<Faults>,
}

impl FaultyQueueStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn QueueStore>, faults: Arc<Faults>) -> FaultyQueueStore {
        FaultyQueueStore { inner, faults }
    }
}

impl QueueStore for FaultyQueueStore {
    fn append(
        &self,
        queued_turn_id: String,
        thread_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<QueuedTurnRow, StoreError>> {
        self.faults.guard("queue.append", || self.inner.append(queued_turn_id, thread_id, turn_start_params, now_ms))
    }

    fn list_visible(
        &self,
        thread_id: String,
        offset: u32,
        limit: u32,
    ) -> BoxFut<'_, Result<(Vec<QueuedTurnRow>, bool), StoreError>> {
        self.faults.guard("queue.list_visible", || self.inner.list_visible(thread_id, offset, limit))
    }

    fn delete(&self, thread_id: String, queued_turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.faults.guard("queue.delete", || self.inner.delete(thread_id, queued_turn_id))
    }

    fn reorder(
        &self,
        thread_id: String,
        queued_turn_ids: Vec<String>,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<Vec<QueuedTurnRow>>, StoreError>> {
        self.faults.guard("queue.reorder", || self.inner.reorder(thread_id, queued_turn_ids, now_ms))
    }

    fn update_queued_turn(
        &self,
        thread_id: String,
        queued_turn_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<QueuedTurnRow>, StoreError>> {
        self.faults.guard("queue.update_queued_turn", || {
            self.inner.update_queued_turn(thread_id, queued_turn_id, turn_start_params, now_ms)
        })
    }

    fn claim_head(&self, thread_id: String, now_ms: i64) -> BoxFut<'_, Result<ClaimOutcome, StoreError>> {
        self.faults.guard("queue.claim_head", || self.inner.claim_head(thread_id, now_ms))
    }

    fn set_dispatch_turn_id(
        &self,
        queued_turn_id: String,
        turn_id: String,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        self.faults
            .guard("queue.set_dispatch_turn_id", || self.inner.set_dispatch_turn_id(queued_turn_id, turn_id, now_ms))
    }

    fn remove_dispatched(&self, thread_id: String, turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.faults.guard("queue.remove_dispatched", || self.inner.remove_dispatched(thread_id, turn_id))
    }

    fn mark_failed(
        &self,
        queued_turn_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        self.faults.guard("queue.mark_failed", || self.inner.mark_failed(queued_turn_id, failure, now_ms))
    }

    fn recover_dispatching(
        &self,
        thread_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<u32, StoreError>> {
        self.faults.guard("queue.recover_dispatching", || self.inner.recover_dispatching(thread_id, failure, now_ms))
    }

    fn delete_thread(&self, thread_id: String) -> BoxFut<'_, Result<(), StoreError>> {
        self.faults.guard("queue.delete_thread", || self.inner.delete_thread(thread_id))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures::executor::block_on;

    use super::*;
    use crate::store::conformance::{Stores, id, stored_thread};
    use crate::store::memory::MemoryThreadStore;
    use crate::store::memory_queue::MemoryQueueStore;

    /// The verdicts of `calls` calls of one operation under `faults`.
    fn verdicts(faults: &Faults, calls: usize) -> Vec<bool> {
        (0..calls).map(|_| faults.draw("threads.load").is_err()).collect()
    }

    #[test]
    fn the_same_seed_refuses_the_same_calls_and_another_seed_others() {
        let first = verdicts(&Faults::new(7, 0.3), 1_000);
        assert_eq!(first, verdicts(&Faults::new(7, 0.3), 1_000));
        assert_ne!(first, verdicts(&Faults::new(8, 0.3), 1_000));
    }

    #[test]
    fn about_the_rate_of_calls_is_refused() {
        let refused = verdicts(&Faults::new(1, 0.1), 10_000).into_iter().filter(|refused| *refused).count();
        assert!((800..1_200).contains(&refused), "{refused} of 10000 refused at 10%");
        assert!(verdicts(&Faults::new(1, 0.0), 1_000).iter().all(|refused| !refused));
        assert!(verdicts(&Faults::new(1, 1.0), 1_000).iter().all(|refused| *refused));
    }

    #[test]
    fn a_refused_call_never_reaches_the_store_and_names_its_operation() {
        let faults = Faults::new(3, 1.0);
        let inner = Arc::new(MemoryThreadStore::new());
        let store = FaultyThreadStore::new(inner.clone(), faults.clone());
        let created = block_on(store.create(stored_thread("t1", 1, "hi")));
        assert_eq!(created, Err(StoreError::Adapter("injected store fault (threads.create)".into())));
        assert_eq!(block_on(inner.load(id("t1"), None)), Ok(None));
        faults.set_rate(0.0);
        block_on(store.create(stored_thread("t1", 1, "hi"))).expect("faults stopped");
        assert!(block_on(inner.load(id("t1"), None)).expect("load").is_some());
        assert_eq!(faults.counts()["threads.create"], OpCount { calls: 2, failed: 1 });
        assert_eq!(faults.injected(), 1);
    }

    #[test]
    fn fail_next_refuses_that_many_calls_of_that_operation_only() {
        let faults = Faults::new(3, 0.0);
        faults.fail_next("threads.load", 2);
        assert_eq!(verdicts(&faults, 3), [true, true, false]);
        assert!(faults.draw("threads.list").is_ok());
    }

    /// With the rate at zero the wrappers are transparent: the memory stores behind them pass
    /// the whole conformance suite.
    fn wrapped_memory() -> Stores {
        let faults = Faults::new(0, 0.0);
        Stores {
            threads: Arc::new(FaultyThreadStore::new(Arc::new(MemoryThreadStore::new()), faults.clone())),
            queue: Arc::new(FaultyQueueStore::new(Arc::new(MemoryQueueStore::new()), faults)),
            keep: Box::new(()),
        }
    }

    crate::store_conformance_tests!(wrapped_memory);
}
