//! Models for tests that need a turn to keep running: the scripted model, except that some
//! requests never stream anything until they are cancelled.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use spindle_core::host::{BoxFut, ModelRequest, ModelResponseHead, ModelTransport, boxed};
use spindle_core::model::scripted::ScriptedModel;

use super::RecordingModel;

/// The marker that makes a turn of [`HangingModel`] hang.
pub const HANG: &str = "[hang]";

/// Hangs every request whose last user message contains [`HANG`].
pub struct HangingModel {
    inner: ScriptedModel,
    hanging: Mutex<BTreeSet<u64>>,
    /// Every request body, in order.
    pub bodies: Mutex<Vec<Value>>,
}

impl HangingModel {
    pub fn new() -> Arc<HangingModel> {
        let inner = ScriptedModel::new(Arc::new(super::SystemClock), 0, Default::default());
        Arc::new(HangingModel { inner, hanging: Mutex::new(BTreeSet::new()), bodies: Mutex::new(Vec::new()) })
    }
}

fn last_user_text(body: &Value) -> String {
    let input = body["input"].as_array().cloned().unwrap_or_default();
    input.iter().rev().find(|item| item["role"] == "user").map(|item| item["content"].to_string()).unwrap_or_default()
}

impl ModelTransport for HangingModel {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, spindle_core::HostError>> {
        let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
        if last_user_text(&body).contains(HANG) {
            self.hanging.lock().unwrap().insert(request.id);
        }
        self.bodies.lock().unwrap().push(body);
        self.inner.post(request)
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, spindle_core::HostError>> {
        if self.hanging.lock().unwrap().contains(&id) {
            return boxed(futures::future::pending());
        }
        self.inner.read(id)
    }

    fn cancel(&self, id: u64) {
        self.inner.cancel(id)
    }
}

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
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, spindle_core::HostError>> {
        self.first.lock().unwrap().get_or_insert(request.id);
        self.inner.post(request)
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, spindle_core::HostError>> {
        if *self.first.lock().unwrap() == Some(id) {
            return self.inner.read(id);
        }
        boxed(futures::future::pending())
    }

    fn cancel(&self, id: u64) {
        self.inner.cancel(id)
    }
}
