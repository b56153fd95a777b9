//! What the host provides: model HTTP, task spawning, time, and the Send switch. The only `cfg(wasm32)`.
//!
//! Native futures must be `Send` (napi drives them on a multi-thread tokio runtime); wasm futures
//! hold JS values and cannot be. `MaybeSend`/`MaybeSync` and `BoxFut` mean `Send`/`Sync` on native
//! and nothing on wasm32, so every trait below is written once for both.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[cfg(not(target_arch = "wasm32"))]
mod send_switch {
    /// `Send` on native targets, nothing on wasm32.
    pub trait MaybeSend: Send {}
    impl<T: Send + ?Sized> MaybeSend for T {}
    /// `Sync` on native targets, nothing on wasm32.
    pub trait MaybeSync: Sync {}
    impl<T: Sync + ?Sized> MaybeSync for T {}
    /// A boxed future that is `Send` on native targets.
    pub type BoxFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

#[cfg(target_arch = "wasm32")]
mod send_switch {
    /// `Send` on native targets, nothing on wasm32.
    pub trait MaybeSend {}
    impl<T: ?Sized> MaybeSend for T {}
    /// `Sync` on native targets, nothing on wasm32.
    pub trait MaybeSync {}
    impl<T: ?Sized> MaybeSync for T {}
    /// A boxed future; on wasm32 it may hold JS values, so it is not `Send`.
    pub type BoxFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;
}

pub use send_switch::{BoxFut, MaybeSend, MaybeSync};

/// Boxes a future into a [`BoxFut`].
pub fn boxed<'a, T>(fut: impl Future<Output = T> + MaybeSend + 'a) -> BoxFut<'a, T> {
    Box::pin(fut) as Pin<Box<_>>
}

/// A failure reported by a host callback (a rejected Promise, a thrown error, a closed stream).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HostError(pub String);

impl HostError {
    /// Builds a host error from any message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Runs background work (a connection's request loop, a thread, a turn) on the host's executor:
/// tokio in the Node addon, the browser's event loop in wasm.
pub trait Spawn: MaybeSend + MaybeSync {
    /// Starts `task`; it runs to completion without being awaited.
    fn spawn(&self, task: BoxFut<'static, ()>);
}

/// Wall-clock time and delays, from the host (core owns no timers).
pub trait Clock: MaybeSend + MaybeSync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// Resolves after `ms` milliseconds.
    fn sleep(&self, ms: u64) -> BoxFut<'static, ()>;
}

/// One HTTP request to the model provider, built by core (PROTOCOL.md §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModelRequest {
    /// Names this request in later `read`/`cancel` calls; unique per engine.
    #[ts(type = "number")]
    pub id: u64,
    /// Path below the provider's base URL, e.g. `/responses`.
    pub path: String,
    /// Headers core sends (lowercase names); the transport adds `authorization` itself.
    pub headers: BTreeMap<String, String>,
    /// The JSON request body as text.
    pub body: String,
}

/// Status line and headers of a model response; the body is read with [`ModelTransport::read`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ModelResponseHead {
    /// HTTP status code.
    pub status: u16,
    /// Response headers, lowercase names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// The host's HTTP client for the model provider (the runtime's `fetch` in the TS package).
///
/// A request is named by [`ModelRequest::id`]: `post` sends it and resolves with the status and
/// headers, `read` pulls body chunks until `None`, and `cancel` aborts it (the `AbortSignal` of
/// `fetch`), which makes a pending or later `read` fail. Chunks may split anywhere.
pub trait ModelTransport: MaybeSend + MaybeSync {
    /// POSTs the request and resolves once the response head has arrived.
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>>;
    /// Next chunk of the response body, or `None` at its end.
    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>>;
    /// Aborts the request; used by `turn/interrupt` and `turn/steer`.
    fn cancel(&self, id: u64);
}

/// A host callback that answers one storage operation with JSON text: the shape both bindings
/// bridge to a JS storage adapter. Core owns the encoding of every operation (see `store::bridge`).
pub trait JsonStoreCall: MaybeSend + MaybeSync {
    /// Calls operation `op` with `args` (a JSON array of arguments) and resolves with its JSON result.
    fn call(&self, op: &'static str, args: String) -> BoxFut<'_, Result<String, HostError>>;
}
