//! Engine scenarios: one integration binary, one file per method or feature.

// Native only: the test host runs the engine on a thread pool.
#![cfg(not(target_arch = "wasm32"))]

mod suite;
mod support;
