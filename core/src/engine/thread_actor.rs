//! LoadedThread actor (in progress).
#[derive(Clone)]
pub(crate) struct ThreadHandle;
