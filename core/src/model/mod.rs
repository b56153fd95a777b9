//! The Responses API client: request body builder, incremental SSE decoder, stream-event mapping,
//! failure texts, and the built-in scripted model with its script format.

pub mod compaction;
pub mod events;
pub mod failure;
pub mod request;
pub mod script;
pub mod scripted;
pub mod sse;
pub mod tools;
