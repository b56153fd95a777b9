//! napi binding (in progress).
