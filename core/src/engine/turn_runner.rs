//! Turn runner (in progress).
