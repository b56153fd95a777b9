//! In-memory thread store: the default, and the reference other thread stores must match.

use std::collections::HashMap;
use std::sync::Mutex;

use super::StoreError;
use super::thread_list::ThreadListQuery;
use super::thread_store::{HistoryRecord, LoadedHistory, StoredThread, ThreadStore};
use crate::host::{BoxFut, boxed};

#[derive(Default)]
struct Entry {
    stored: Option<StoredThread>,
    records: Vec<HistoryRecord>,
}

/// Threads kept in a map; lost when the engine goes.
#[derive(Default)]
pub struct MemoryThreadStore {
    // A std mutex is right here: it is never held across an await, and wasm has one thread.
    threads: Mutex<HashMap<String, Entry>>,
}

impl MemoryThreadStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>) -> T) -> T {
        // A poisoned lock only means another caller panicked mid-update; the map is still usable.
        let mut guard = self.threads.lock().unwrap_or_else(|poison| poison.into_inner());
        f(&mut guard)
    }
}

impl ThreadStore for MemoryThreadStore {
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        let result = self.with(|threads| {
            let entry = threads.entry(thread.thread.id.clone()).or_default();
            if entry.stored.is_some() {
                return Err(StoreError::Adapter(format!("thread {} already exists", thread.thread.id)));
            }
            entry.stored = Some(thread);
            Ok(())
        });
        boxed(async move { result })
    }

    fn append(&self, thread_id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>> {
        let result = self.with(|threads| match threads.get_mut(&thread_id) {
            Some(entry) if entry.stored.is_some() => {
                entry.records.extend(records);
                Ok(())
            }
            _ => Err(StoreError::Adapter(format!("thread {thread_id} does not exist"))),
        });
        boxed(async move { result })
    }

    fn load(&self, thread_id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>> {
        let result = self.with(|threads| {
            let entry = threads.get(&thread_id)?;
            let stored = entry.stored.clone()?;
            let keep = tail.map_or(entry.records.len(), |tail| (tail as usize).min(entry.records.len()));
            let start = entry.records.len() - keep;
            Some(LoadedHistory { stored, records: entry.records[start..].to_vec(), truncated: start > 0 })
        });
        boxed(async move { Ok(result) })
    }

    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        let result = self.with(|threads| match threads.get_mut(&thread.thread.id) {
            Some(entry) if entry.stored.is_some() => {
                entry.stored = Some(thread);
                Ok(())
            }
            _ => Err(StoreError::Adapter(format!("thread {} does not exist", thread.thread.id))),
        });
        boxed(async move { result })
    }

    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>> {
        let page = self.with(|threads| {
            let mut matching: Vec<&StoredThread> = threads
                .values()
                .filter_map(|entry| entry.stored.as_ref())
                .filter(|stored| query.matches(stored) && query.after_anchor(stored))
                .collect();
            matching.sort_by(|a, b| query.order(a, b));
            matching.into_iter().take(query.limit as usize).cloned().collect()
        });
        boxed(async move { Ok(page) })
    }

    fn delete(&self, thread_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        let existed = self.with(|threads| threads.remove(&thread_id).is_some_and(|entry| entry.stored.is_some()));
        boxed(async move { Ok(existed) })
    }
}
