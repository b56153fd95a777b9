//! The JS event loop as core's executor and clock.

use js_sys::{Function, Promise};
use spindle_core::host::{BoxFut, Clock, Spawn, boxed};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};

#[wasm_bindgen]
extern "C" {
    // The global `setTimeout`, not `window.setTimeout`: the same module runs in a page, a worker and Node.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
}

/// Runs tasks on the JS microtask queue.
pub struct LocalSpawn;

impl Spawn for LocalSpawn {
    fn spawn(&self, task: BoxFut<'static, ()>) {
        spawn_local(task);
    }
}

/// `Date.now()` and `setTimeout`.
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    fn sleep(&self, ms: u64) -> BoxFut<'static, ()> {
        let timer = Promise::new(&mut |resolve, _reject| {
            set_timeout(&resolve, ms as f64);
        });
        boxed(async move {
            // The timer's promise never rejects.
            let _ = JsFuture::from(timer).await;
        })
    }
}
