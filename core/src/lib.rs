//! Spindle core: the thread/turn engine of the Codex app-server v2 protocol, with no I/O and no
//! runtime of its own. Hosts bring model HTTP, storage, time and task spawning (see [`host`]).

// Wire and record enums mirror JSON shapes; boxing their big variants would add noise, not speed.
#![allow(clippy::large_enum_variant)]
// On wasm32 the host's services are JS values: shared, but neither Send nor Sync by design.
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

pub mod engine;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod host;
pub mod ids;
pub mod model;
pub mod protocol;
pub mod store;

pub use engine::{Connection, ConnectionClosed, Engine, EngineHost, EngineOptions, OnMessage};
pub use host::{
    BoxFut, Clock, HostError, JsonStoreCall, MaybeSend, MaybeSync, ModelRequest, ModelResponseHead, ModelTransport,
    Spawn,
};
