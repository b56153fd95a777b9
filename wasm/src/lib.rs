//! wasm binding (in progress).
