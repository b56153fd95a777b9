//! Engine scenarios: one integration binary, one file per method or feature.

mod suite;
mod support;
