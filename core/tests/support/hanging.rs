//! A model whose first request answers like the scripted model and whose later requests never
//! finish, so a test can look at a thread while its turn is running.

use std::sync::{Arc, Mutex};

use spindle_core::host::{BoxFut, boxed};
use spindle_core::{HostError, ModelRequest, ModelResponseHead, ModelTransport};

use super::RecordingModel;

/// Answers the first request, then leaves every later one open until it is cancelled.
pub struct HangsAfterFirstTurn {
    inner: Arc<RecordingModel>,
    first: Mutex<Option<u64>>,
}

impl HangsAfterFirstTurn {
    pub fn new() -> Arc<HangsAfterFirstTurn> {
        Arc::new(HangsAfterFirstTurn { inner: RecordingModel::new(), first: Mutex::new(None) })
    }
}

impl ModelTransport for HangsAfterFirstTurn {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> {
        self.first.lock().unwrap().get_or_insert(request.id);
        self.inner.post(request)
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>> {
        if *self.first.lock().unwrap() == Some(id) {
            return self.inner.read(id);
        }
        boxed(futures::future::pending())
    }

    fn cancel(&self, id: u64) {
        self.inner.cancel(id)
    }
}
