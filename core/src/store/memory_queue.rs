//! In-memory queue store (in progress).
#[derive(Default)]
pub struct MemoryQueueStore;
impl MemoryQueueStore { pub fn new() -> Self { Self } }
impl super::QueueStore for MemoryQueueStore {
    fn append(&self, _a: String, _b: String, _c: serde_json::Value, _d: i64) -> crate::host::BoxFut<'_, Result<super::QueuedTurnRow, super::StoreError>> { todo!() }
    fn list_visible(&self, _a: String, _b: u32, _c: u32) -> crate::host::BoxFut<'_, Result<(Vec<super::QueuedTurnRow>, bool), super::StoreError>> { todo!() }
    fn delete(&self, _a: String, _b: String) -> crate::host::BoxFut<'_, Result<bool, super::StoreError>> { todo!() }
    fn reorder(&self, _a: String, _b: Vec<String>, _c: i64) -> crate::host::BoxFut<'_, Result<Option<Vec<super::QueuedTurnRow>>, super::StoreError>> { todo!() }
    fn claim_head(&self, _a: String, _b: i64) -> crate::host::BoxFut<'_, Result<super::queue_store::ClaimOutcome, super::StoreError>> { todo!() }
    fn set_dispatch_turn_id(&self, _a: String, _b: String, _c: i64) -> crate::host::BoxFut<'_, Result<bool, super::StoreError>> { todo!() }
    fn remove_dispatched(&self, _a: String, _b: String) -> crate::host::BoxFut<'_, Result<bool, super::StoreError>> { todo!() }
    fn mark_failed(&self, _a: String, _b: crate::protocol::turn::TurnError, _c: i64) -> crate::host::BoxFut<'_, Result<bool, super::StoreError>> { todo!() }
    fn recover_dispatching(&self, _a: String, _b: crate::protocol::turn::TurnError, _c: i64) -> crate::host::BoxFut<'_, Result<u32, super::StoreError>> { todo!() }
    fn delete_thread(&self, _a: String) -> crate::host::BoxFut<'_, Result<(), super::StoreError>> { todo!() }
}
