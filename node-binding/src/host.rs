//! Task spawning and time for the addon: napi's tokio runtime and the system clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use spindle_core::host::{BoxFut, Clock, Spawn, boxed};

/// Runs the engine's tasks on napi's multi-thread tokio runtime.
pub struct TokioSpawn;

impl Spawn for TokioSpawn {
    fn spawn(&self, task: BoxFut<'static, ()>) {
        napi::bindgen_prelude::spawn(task);
    }
}

/// Wall-clock time from the OS; delays from tokio's timer.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }

    fn sleep(&self, ms: u64) -> BoxFut<'static, ()> {
        // The timer is created on first poll, inside the runtime, so `sleep` may be called from
        // the JS thread too (tokio's `sleep` panics outside a runtime).
        boxed(async move { tokio::time::sleep(Duration::from_millis(ms)).await })
    }
}
