//! Fuzz targets' entry points, shared by `core/fuzz` (cargo-fuzz) and `tests/fuzz_regressions.rs`,
//! which replays the committed inputs under plain `cargo test`. Behind the `fuzzing` feature.
//!
//! Each target takes the fuzzer's bytes, drives the core on a deterministic single-thread host and
//! panics only when the core breaks a rule: a panic anywhere in the engine, or a checked invariant
//! (same events whatever the chunking, every request answered once, every turn ends).

mod host;
mod hostile;
mod ids;
mod jsonrpc;
mod replies;
mod sse;

pub use ids::ids;
pub use jsonrpc::jsonrpc_lines;
pub use sse::sse_events;

/// The targets' names, as `core/fuzz/fuzz_targets/<name>.rs` and `core/fuzz/regressions/<name>/` spell them.
pub const TARGETS: &[&str] = &["sse_events", "jsonrpc_lines", "ids"];
