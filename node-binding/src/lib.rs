//! Node addon: the engine's `Engine` and `Connection` classes for JS. Translates, decides nothing.

mod adapters;
mod host;
mod native_store;

use std::sync::Arc;

use napi::bindgen_prelude::{Either, Function, Object};
use napi_derive::napi;
use spindle_core::store::bridge::BridgedStore;
use spindle_core::{EngineHost, EngineOptions};

use native_store::NativeStore;

/// An in-process engine: many connections, one set of host services.
#[napi]
pub struct Engine {
    inner: spindle_core::Engine,
}

#[napi]
impl Engine {
    /// Builds an engine from JSON `EngineOptions`; a `null` transport selects the scripted model
    /// and a `null` store selects memory. A `NativeStore` serves as thread store and queue store.
    #[napi(constructor)]
    pub fn new(
        options_json: String,
        #[napi(ts_arg_type = "ModelTransportAdapter | null")] transport: Option<Object<'_>>,
        #[napi(ts_arg_type = "NativeStore | StoreCallAdapter | null")] store: Option<Either<&NativeStore, Object<'_>>>,
    ) -> napi::Result<Self> {
        let options = EngineOptions::from_json(&options_json).map_err(to_napi_error)?;
        let transport = match transport {
            Some(object) => Some(Arc::new(adapters::JsModelTransport::new(&object)?) as _),
            None => None,
        };
        let (thread_store, queue_store) = match store {
            Some(Either::A(native)) => {
                let (threads, queue) = native.stores();
                (Some(threads), Some(queue))
            }
            Some(Either::B(object)) => {
                // One JS adapter answers both the thread and the queue operations.
                let store = Arc::new(BridgedStore::new(Arc::new(adapters::JsStoreCall::new(&object)?)));
                (Some(store.clone() as _), Some(store as _))
            }
            None => (None, None),
        };
        let host = EngineHost {
            spawn: Arc::new(host::TokioSpawn),
            clock: Arc::new(host::SystemClock),
            transport,
            thread_store,
            queue_store,
        };
        Ok(Engine { inner: spindle_core::Engine::new(options, host) })
    }

    /// Opens a connection; every outgoing message arrives at `onMessage` as one JSON text, in wire order.
    #[napi]
    pub fn connect(
        &self,
        #[napi(ts_arg_type = "(message: string) => void")] on_message: Function<'_, String, ()>,
    ) -> napi::Result<Connection> {
        let sink = adapters::message_sink(&on_message)?;
        Ok(Connection { inner: self.inner.connect(sink) })
    }

    /// Loaded threads no open connection is subscribed to and that run no turn: what the host may unload.
    #[napi]
    pub async fn unsubscribed_threads(&self) -> Vec<String> {
        self.inner.unsubscribed_threads().await
    }

    /// Unloads such a thread; initialized connections get `thread/status/changed` and `thread/closed`.
    /// Resolves `false` when the thread is not loaded, has a subscriber or runs a turn.
    #[napi]
    pub async fn unload_thread(&self, thread_id: String) -> bool {
        self.inner.unload_thread(&thread_id).await
    }
}

/// One client's connection to an engine.
#[napi]
pub struct Connection {
    inner: spindle_core::Connection,
}

#[napi]
impl Connection {
    /// Hands one JSON-RPC message to the engine; replies arrive through `onMessage`. Throws only
    /// when the connection is closed.
    #[napi]
    pub fn send(&self, text: String) -> napi::Result<()> {
        self.inner.send(text).map_err(to_napi_error)
    }

    /// Closes the connection: nothing more is delivered and `send` throws from now on.
    #[napi]
    pub fn close(&self) {
        self.inner.close();
    }
}

/// The binding's one conversion of a Rust error into a JS exception.
fn to_napi_error(error: impl std::fmt::Display) -> napi::Error {
    napi::Error::from_reason(error.to_string())
}
