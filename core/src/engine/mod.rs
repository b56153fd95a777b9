//! The engine: loaded threads, stores and the host's services, shared by every connection.

pub mod connection;
pub(crate) mod cursor;
mod handlers;
mod outbox;
mod thread_actor;
mod thread_unload;
mod turn_params;
mod turn_runner;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::host::{Clock, ModelTransport, Spawn};
use crate::model::script::ModelScript;
use crate::model::scripted::ScriptedModel;
use crate::protocol::model::Model;
use crate::store::memory::MemoryThreadStore;
use crate::store::memory_queue::MemoryQueueStore;
use crate::store::{QueueStore, ThreadStore};
pub use connection::{Connection, ConnectionClosed, OnMessage};
use outbox::Outbox;
use thread_actor::{ThreadHandle, UnsettledDispatch};

/// The codex app-server version whose wire Spindle matches; clients read it from `userAgent`.
pub const COMPATIBLE_CODEX_VERSION: &str = "0.169.0";
/// Spindle's own version.
pub const SPINDLE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Engine settings from the host, passed as JSON by the bindings. Every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct EngineOptions {
    /// Model used when `thread/start` names none.
    pub model: String,
    /// Provider id reported on threads.
    pub model_provider: String,
    /// Working directory used when `thread/start` names none.
    pub cwd: String,
    /// Logical Codex home reported by `initialize`.
    pub codex_home: String,
    /// `initialize.platformFamily`.
    pub platform_family: String,
    /// `initialize.platformOs`.
    pub platform_os: String,
    /// Host platform words for the user agent, e.g. `node linux x64` or `browser`.
    pub platform: String,
    /// `modelContextWindow` of token usage (0.169's fallback metadata: 258400).
    #[ts(type = "number | null")]
    pub model_context_window: Option<i64>,
    /// `Thread.source`; `"vscode"` as 0.169 reports for app-server clients. `thread/list` without
    /// `sourceKinds` shows only `cli` and `vscode` threads, as 0.169 does.
    #[ts(type = "string | { [key: string]: unknown }")]
    pub source: Value,
    /// The catalog `model/list` serves, in order. Empty: one default entry for `model`.
    pub models: Vec<Model>,
    /// Delay between the scripted model's chunks, for demos.
    #[ts(type = "number")]
    pub scripted_chunk_delay_ms: u64,
    /// What the scripted model (the engine without a model transport) answers, one response per
    /// model request, before it falls back to echoing the user (README "Scripted model").
    pub model_script: Option<ModelScript>,
    /// Silent retries of a model request that failed before streaming (5xx, transport error);
    /// codex's `request_max_retries`. 0, the captures' setting, turns them off.
    pub request_max_retries: u32,
    /// Retries of a stream that broke before `response.completed`, each announced by an `error`
    /// notification with `willRetry: true`; codex's `stream_max_retries`.
    pub stream_max_retries: u32,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            model: "gpt-5.1-codex".into(),
            model_provider: "openai".into(),
            cwd: "/".into(),
            codex_home: "/".into(),
            platform_family: "unix".into(),
            platform_os: "linux".into(),
            platform: "embedded".into(),
            model_context_window: Some(258_400),
            source: Value::String("vscode".into()),
            models: Vec::new(),
            scripted_chunk_delay_ms: 0,
            model_script: None,
            request_max_retries: 0,
            stream_max_retries: 0,
        }
    }
}

impl EngineOptions {
    /// Parses options JSON from a binding; `""` and `null` mean all defaults. A model script is
    /// checked here too; its errors name the problem's path, e.g. `modelScript.responses[1].status`.
    pub fn from_json(text: &str) -> Result<EngineOptions, String> {
        if text.trim().is_empty() || text.trim() == "null" {
            return Ok(EngineOptions::default());
        }
        serde_json::from_str(text).map_err(|error| format!("invalid engine options: {error}"))
    }
}

/// The services a host provides. Leave `transport` empty for the built-in scripted model and the
/// stores empty for in-memory storage.
pub struct EngineHost {
    /// Runs background tasks.
    pub spawn: Arc<dyn Spawn>,
    /// Time and delays.
    pub clock: Arc<dyn Clock>,
    /// Model HTTP; `None` selects the scripted model.
    pub transport: Option<Arc<dyn ModelTransport>>,
    /// Thread storage; `None` selects memory.
    pub thread_store: Option<Arc<dyn ThreadStore>>,
    /// Queue storage; `None` selects memory.
    pub queue_store: Option<Arc<dyn QueueStore>>,
}

/// What every connection and thread of one engine share.
pub(crate) struct EngineShared {
    pub options: EngineOptions,
    pub spawn: Arc<dyn Spawn>,
    pub clock: Arc<dyn Clock>,
    pub transport: Arc<dyn ModelTransport>,
    pub thread_store: Arc<dyn ThreadStore>,
    pub queue_store: Arc<dyn QueueStore>,
    /// Loaded threads by canonical id. Only handles live here; each thread's state is its actor's.
    pub threads: Mutex<HashMap<String, ThreadHandle>>,
    /// Every connection opened on this engine, for the few notifications that go to all of them.
    connections: Mutex<Vec<Weak<Outbox>>>,
    /// Queue store writes that threads which have stopped still owe, by thread id: the thread's
    /// next actor settles them before its queue moves again.
    unsettled_dispatches: Mutex<HashMap<String, UnsettledDispatch>>,
    next_id: AtomicU64,
}

impl EngineShared {
    /// A number unique within this engine (connection ids, model request ids).
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Unix milliseconds from the host clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The handle of a loaded thread.
    pub fn loaded_thread(&self, thread_id: &str) -> Option<ThreadHandle> {
        self.threads.lock().unwrap_or_else(|poison| poison.into_inner()).get(thread_id).cloned()
    }

    /// Keeps what a stopping thread's dispatch still owes the queue store, for its next actor.
    pub fn stash_unsettled_dispatch(&self, thread_id: &str, unsettled: UnsettledDispatch) {
        let mut stash = self.unsettled_dispatches.lock().unwrap_or_else(|poison| poison.into_inner());
        stash.insert(thread_id.to_owned(), unsettled);
    }

    /// Takes what an earlier actor of `thread_id` left owing, if anything.
    pub fn take_unsettled_dispatch(&self, thread_id: &str) -> Option<UnsettledDispatch> {
        self.unsettled_dispatches.lock().unwrap_or_else(|poison| poison.into_inner()).remove(thread_id)
    }

    /// Remembers a new connection; connections that are gone are forgotten on the way.
    pub fn register_connection(&self, outbox: &Arc<Outbox>) {
        let mut connections = self.connections.lock().unwrap_or_else(|poison| poison.into_inner());
        connections.retain(|known| known.strong_count() > 0);
        connections.push(Arc::downgrade(outbox));
    }

    /// The open connections that have initialized.
    pub fn initialized_connections(&self) -> Vec<Arc<Outbox>> {
        let connections = self.connections.lock().unwrap_or_else(|poison| poison.into_inner());
        connections
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|outbox| !outbox.is_closed() && outbox.session().is_some())
            .collect()
    }
}

/// One engine: many connections, many threads, one set of host services.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<EngineShared>,
}

impl Engine {
    /// Builds an engine over the host's services.
    pub fn new(options: EngineOptions, host: EngineHost) -> Engine {
        let transport = host.transport.unwrap_or_else(|| {
            let script = options.model_script.clone().unwrap_or_default();
            Arc::new(ScriptedModel::new(host.clock.clone(), options.scripted_chunk_delay_ms, script))
        });
        let shared = EngineShared {
            options,
            spawn: host.spawn,
            clock: host.clock,
            transport,
            thread_store: host.thread_store.unwrap_or_else(|| Arc::new(MemoryThreadStore::new())),
            queue_store: host.queue_store.unwrap_or_else(|| Arc::new(MemoryQueueStore::new())),
            threads: Mutex::new(HashMap::new()),
            connections: Mutex::new(Vec::new()),
            unsettled_dispatches: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        };
        Engine { shared: Arc::new(shared) }
    }

    /// Opens a connection; every message for it (responses, notifications, server requests)
    /// goes to `on_message` as one JSON text, in wire order.
    pub fn connect(&self, on_message: OnMessage) -> Connection {
        Connection::open(self.shared.clone(), on_message)
    }

    /// Loaded threads that no open connection is subscribed to and that run no turn, sorted: the
    /// threads a host may unload (PROTOCOL.md §4.9). The host decides when, e.g. after some idle time.
    pub async fn unsubscribed_threads(&self) -> Vec<String> {
        thread_unload::unsubscribed_threads(&self.shared).await
    }

    /// Unloads `thread_id` if it is loaded, no open connection is subscribed to it and it runs no
    /// turn; every initialized connection then gets `thread/status/changed notLoaded` and
    /// `thread/closed`. `true` if it was unloaded. A stored thread can be resumed again later.
    pub async fn unload_thread(&self, thread_id: &str) -> bool {
        thread_unload::unload_thread(&self.shared, thread_id).await
    }
}
