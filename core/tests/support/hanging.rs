//! A model for tests that need a turn to keep running: the scripted model, except that a request
//! whose last user message contains `[hang]` never streams anything until it is cancelled.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use spindle_core::host::{BoxFut, ModelRequest, ModelResponseHead, ModelTransport, boxed};
use spindle_core::model::scripted::ScriptedModel;

/// The marker that makes a turn hang.
pub const HANG: &str = "[hang]";

pub struct HangingModel {
    inner: ScriptedModel,
    hanging: Mutex<BTreeSet<u64>>,
    /// Every request body, in order.
    pub bodies: Mutex<Vec<Value>>,
}

impl HangingModel {
    pub fn new() -> Arc<HangingModel> {
        let inner = ScriptedModel::new(Arc::new(super::SystemClock), 0);
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
