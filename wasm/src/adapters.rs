//! JS adapters bridged to core's host traits: the model transport, the store call and `onMessage`.
//! Each checks shape only; what the adapter's answers mean is core's business.

use std::sync::Arc;

use js_sys::{Promise, Uint8Array};
use spindle_core::OnMessage;
use spindle_core::host::{BoxFut, HostError, JsonStoreCall, ModelRequest, ModelResponseHead, ModelTransport, boxed};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The host's model HTTP (`ModelTransportAdapter` in `ts/src/runtime/binding.ts`).
    #[wasm_bindgen(typescript_type = "ModelTransportAdapter")]
    pub type ModelTransportAdapter;

    #[wasm_bindgen(method, catch)]
    fn post(this: &ModelTransportAdapter, request_json: String) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn read(this: &ModelTransportAdapter, id: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn cancel(this: &ModelTransportAdapter, id: f64) -> Result<JsValue, JsValue>;

    /// A storage adapter reduced to one call (`StoreCallAdapter` in `ts/src/runtime/binding.ts`).
    #[wasm_bindgen(typescript_type = "StoreCallAdapter")]
    pub type StoreCallAdapter;

    #[wasm_bindgen(method, catch)]
    fn call(this: &StoreCallAdapter, op: &str, args_json: String) -> Result<JsValue, JsValue>;
}

/// Settles what an adapter method returned: a Promise, a thenable or a plain value; a synchronous
/// throw and a rejection both become a [`HostError`].
async fn settle(returned: Result<JsValue, JsValue>) -> Result<JsValue, HostError> {
    let value = returned.map_err(host_error)?;
    JsFuture::from(Promise::resolve(&value)).await.map_err(host_error)
}

/// The message of whatever JS threw: an `Error` (or `DOMException`) gives its `message`.
fn host_error(thrown: JsValue) -> HostError {
    if let Some(message) = js_sys::Reflect::get(&thrown, &JsValue::from_str("message")).ok().and_then(|m| m.as_string())
    {
        return HostError(message);
    }
    match thrown.as_string() {
        Some(text) => HostError(text),
        None => HostError(format!("{thrown:?}")),
    }
}

/// [`ModelTransport`] over a JS `ModelTransportAdapter`.
pub struct JsModelTransport {
    adapter: ModelTransportAdapter,
}

impl JsModelTransport {
    pub fn new(adapter: ModelTransportAdapter) -> Self {
        Self { adapter }
    }
}

impl ModelTransport for JsModelTransport {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> {
        boxed(async move {
            let request = serde_json::to_string(&request).map_err(|error| HostError(error.to_string()))?;
            let head = settle(self.adapter.post(request)).await?;
            let head =
                head.as_string().ok_or_else(|| HostError("transport post must resolve to a JSON string".into()))?;
            serde_json::from_str(&head)
                .map_err(|error| HostError(format!("invalid response head from transport: {error}")))
        })
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>> {
        boxed(async move {
            let chunk = settle(self.adapter.read(id as f64)).await?;
            if chunk.is_null() || chunk.is_undefined() {
                return Ok(None);
            }
            let chunk = chunk
                .dyn_into::<Uint8Array>()
                .map_err(|_| HostError("transport read must resolve to a Uint8Array or null".into()))?;
            Ok(Some(chunk.to_vec()))
        })
    }

    fn cancel(&self, id: u64) {
        // Cancelling is best effort: the pending `read` fails or ends either way, and a throwing
        // `cancel` has no caller to tell.
        let _ = self.adapter.cancel(id as f64);
    }
}

/// [`JsonStoreCall`] over a JS `StoreCallAdapter`.
pub struct JsStoreCall {
    adapter: StoreCallAdapter,
}

impl JsStoreCall {
    pub fn new(adapter: StoreCallAdapter) -> Self {
        Self { adapter }
    }
}

impl JsonStoreCall for JsStoreCall {
    fn call(&self, op: &'static str, args: String) -> BoxFut<'_, Result<String, HostError>> {
        boxed(async move {
            let result = settle(self.adapter.call(op, args)).await?;
            // `undefined` and `null` both reach core as "no result"; core decides what that means.
            if result.is_null() || result.is_undefined() {
                return Ok(String::new());
            }
            result.as_string().ok_or_else(|| HostError(format!("store call {op} must resolve to a JSON string")))
        })
    }
}

/// Wraps the host's `onMessage` as core's message sink.
#[allow(clippy::arc_with_non_send_sync)] // wasm32 is single-threaded; the sink holds a JS function
pub fn message_sink(on_message: js_sys::Function) -> OnMessage {
    Arc::new(move |text: String| {
        // A throwing listener must not stop the engine from delivering the next message.
        let _ = on_message.call1(&JsValue::NULL, &JsValue::from_str(&text));
    })
}
