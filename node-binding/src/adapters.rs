//! JS adapters as core traits: model transport, store call and `onMessage`, each over weak
//! threadsafe functions so they never keep Node alive on their own.
//!
//! Every call that may run adapter code uses napi's catching call path: a synchronous throw then
//! reaches Rust as an `Err` instead of `napi_fatal_exception` ending the process.

use napi::Status;
use napi::bindgen_prelude::{FnArgs, Function, JsObjectValue, Object, Promise, Uint8Array};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use spindle_core::OnMessage;
use spindle_core::host::{BoxFut, HostError, JsonStoreCall, ModelRequest, ModelResponseHead, ModelTransport, boxed};

/// A weak, non-error-first threadsafe function taking `Args` and returning `Return`.
type Tsfn<Args, Return> = ThreadsafeFunction<Args, Return, Args, Status, false, true>;

/// A JS model transport `{ post, read, cancel }`; JS numbers carry request ids.
pub struct JsModelTransport {
    post: Tsfn<String, Promise<String>>,
    read: Tsfn<f64, Promise<Option<Uint8Array>>>,
    cancel: Tsfn<f64, ()>,
}

impl JsModelTransport {
    /// Binds the adapter's methods to it, so class-based adapters keep their `this`.
    pub fn new(adapter: &Object<'_>) -> napi::Result<Self> {
        Ok(JsModelTransport {
            post: method(adapter, "post")?,
            read: method(adapter, "read")?,
            cancel: method(adapter, "cancel")?,
        })
    }
}

impl ModelTransport for JsModelTransport {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> {
        boxed(async move {
            let request = serde_json::to_string(&request).map_err(|error| HostError::new(error.to_string()))?;
            let head = settle(self.post.call_async_catch(request).await).await?;
            serde_json::from_str(&head).map_err(|error| HostError::new(format!("invalid response head: {error}")))
        })
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>> {
        boxed(async move {
            let chunk = settle(self.read.call_async_catch(id as f64).await).await?;
            Ok(chunk.map(|bytes| bytes.to_vec()))
        })
    }

    fn cancel(&self, id: u64) {
        // Fire-and-forget, but through the catching call path: a throwing `cancel` is ignored
        // rather than fatal, since the request is being abandoned anyway.
        self.cancel.call_with_return_value(id as f64, ThreadsafeFunctionCallMode::NonBlocking, |_, _| Ok(()));
    }
}

/// A JS storage adapter `{ call(op, argsJson) }`.
pub struct JsStoreCall {
    call: Tsfn<FnArgs<(String, String)>, Promise<Option<String>>>,
}

impl JsStoreCall {
    /// Binds `call` to the adapter, so class-based adapters keep their `this`.
    pub fn new(adapter: &Object<'_>) -> napi::Result<Self> {
        Ok(JsStoreCall { call: method(adapter, "call")? })
    }
}

impl JsonStoreCall for JsStoreCall {
    fn call(&self, op: &'static str, args: String) -> BoxFut<'_, Result<String, HostError>> {
        boxed(async move {
            let result = settle(self.call.call_async_catch((op.to_owned(), args).into()).await).await?;
            // `undefined` becomes empty text, which the store bridge reads as `null`.
            Ok(result.unwrap_or_default())
        })
    }
}

/// Wraps `onMessage` as the engine's message sink. Calls are queued without blocking, in order,
/// on napi's FIFO queue; they are plain `(message) => void` calls, not error-first.
pub fn message_sink(on_message: &Function<'_, String, ()>) -> napi::Result<OnMessage> {
    let on_message: Tsfn<String, ()> = on_message.build_threadsafe_function().weak::<true>().build()?;
    Ok(std::sync::Arc::new(move |text: String| {
        // A throwing `onMessage` surfaces as an uncaught exception, as a throwing event listener
        // would; `Closing` means Node is shutting down and nobody is left to receive the message.
        on_message.call(text, ThreadsafeFunctionCallMode::NonBlocking);
    }))
}

fn method<Args, Return>(adapter: &Object<'_>, name: &str) -> napi::Result<Tsfn<Args, Return>>
where
    Args: 'static + napi::bindgen_prelude::JsValuesTupleIntoVec,
    Return: 'static + napi::bindgen_prelude::FromNapiValue,
{
    let function: Function<'_, Args, Return> = adapter.get_named_property(name)?;
    function.bind(adapter)?.build_threadsafe_function().weak::<true>().build()
}

/// Waits for the adapter's Promise: the first `Err` is a failed call (a synchronous throw, no
/// Promise returned), the second a rejection.
async fn settle<T: napi::bindgen_prelude::FromNapiValue>(called: napi::Result<Promise<T>>) -> Result<T, HostError> {
    called.map_err(to_host_error)?.await.map_err(to_host_error)
}

fn to_host_error(error: napi::Error) -> HostError {
    HostError(error.reason)
}
