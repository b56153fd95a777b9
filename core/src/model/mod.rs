//! The Responses API client: request body builder, incremental SSE decoder, stream-event mapping,
//! and the built-in scripted model.
pub mod scripted;
