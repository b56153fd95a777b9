//! Scripted model (in progress).
use std::sync::Arc;
use crate::host::{boxed, BoxFut, Clock, HostError, ModelRequest, ModelResponseHead, ModelTransport};
pub struct ScriptedModel { _clock: Arc<dyn Clock>, _delay: u64 }
impl ScriptedModel { pub fn new(clock: Arc<dyn Clock>, delay: u64) -> Self { Self { _clock: clock, _delay: delay } } }
impl ModelTransport for ScriptedModel {
    fn post(&self, _r: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> { boxed(async { Err(HostError::new("in progress")) }) }
    fn read(&self, _id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>> { boxed(async { Ok(None) }) }
    fn cancel(&self, _id: u64) {}
}
