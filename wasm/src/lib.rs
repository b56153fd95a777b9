//! wasm binding: the engine's `Engine` and `Connection` classes for a browser tab (or Node through
//! `initSync`). Translates, decides nothing.
#![cfg(target_arch = "wasm32")]

mod adapters;
mod host;

use std::sync::Arc;

use spindle_core::store::bridge::BridgedStore;
use spindle_core::{EngineHost, EngineOptions};
use wasm_bindgen::prelude::*;

// The adapter interfaces are declared once, in the TS package; the generated .d.ts names them.
#[wasm_bindgen(typescript_custom_section)]
const ADAPTER_TYPES: &str =
    r#"import type { ModelTransportAdapter, StoreCallAdapter } from "../../ts/src/runtime/binding.js";"#;

/// An in-process engine: many connections, one set of host services.
#[wasm_bindgen]
pub struct Engine {
    inner: spindle_core::Engine,
}

#[wasm_bindgen]
impl Engine {
    /// Builds an engine from JSON `EngineOptions`; a `null` transport selects the scripted model.
    /// The store adapter keeps both threads and queued turns; `null` selects memory.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::arc_with_non_send_sync)] // wasm32 is single-threaded; the adapters hold JS objects
    pub fn new(
        #[wasm_bindgen(js_name = optionsJson)] options_json: String,
        transport: Option<adapters::ModelTransportAdapter>,
        #[wasm_bindgen(js_name = threadStore)] thread_store: Option<adapters::StoreCallAdapter>,
    ) -> Result<Engine, JsError> {
        let options = EngineOptions::from_json(&options_json).map_err(to_js_error)?;
        let transport = transport.map(|adapter| Arc::new(adapters::JsModelTransport::new(adapter)) as _);
        // One JS adapter answers both the thread and the queue operations.
        let store =
            thread_store.map(|adapter| Arc::new(BridgedStore::new(Arc::new(adapters::JsStoreCall::new(adapter)))));
        let host = EngineHost {
            spawn: Arc::new(host::LocalSpawn),
            clock: Arc::new(host::JsClock),
            transport,
            thread_store: store.clone().map(|store| store as _),
            queue_store: store.map(|store| store as _),
        };
        Ok(Engine { inner: spindle_core::Engine::new(options, host) })
    }

    /// Opens a connection; every outgoing message arrives at `onMessage` as one JSON text, in wire order.
    pub fn connect(
        &self,
        #[wasm_bindgen(js_name = onMessage, unchecked_param_type = "(message: string) => void")]
        on_message: js_sys::Function,
    ) -> Connection {
        Connection { inner: self.inner.connect(adapters::message_sink(on_message)) }
    }

    /// Loaded threads no open connection is subscribed to and that run no turn: what the host may unload.
    #[wasm_bindgen(js_name = unsubscribedThreads, unchecked_return_type = "Promise<string[]>")]
    pub fn unsubscribed_threads(&self) -> js_sys::Promise {
        let engine = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let ids: js_sys::Array = engine.unsubscribed_threads().await.into_iter().map(JsValue::from).collect();
            Ok(ids.into())
        })
    }

    /// Unloads such a thread; initialized connections get `thread/status/changed` and `thread/closed`.
    /// Resolves `false` when the thread is not loaded, has a subscriber or runs a turn.
    #[wasm_bindgen(js_name = unloadThread, unchecked_return_type = "Promise<boolean>")]
    pub fn unload_thread(&self, #[wasm_bindgen(js_name = threadId)] thread_id: String) -> js_sys::Promise {
        let engine = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move { Ok(engine.unload_thread(&thread_id).await.into()) })
    }
}

/// One client's connection to an engine.
#[wasm_bindgen]
pub struct Connection {
    inner: spindle_core::Connection,
}

#[wasm_bindgen]
impl Connection {
    /// Hands one JSON-RPC message to the engine; replies arrive through `onMessage`. Throws only
    /// when the connection is closed.
    pub fn send(&self, text: String) -> Result<(), JsError> {
        self.inner.send(text).map_err(to_js_error)
    }

    /// Closes the connection: nothing more is delivered and `send` throws from now on.
    pub fn close(&self) {
        self.inner.close();
    }
}

/// The binding's one conversion of a Rust error into a JS exception.
fn to_js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}
