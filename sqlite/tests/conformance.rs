//! The store conformance suite of core, run against a fresh SQLite store per case.

use std::sync::Arc;

use futures::executor::block_on;
use spindle_core::store::conformance::Stores;
use spindle_sqlite::SqliteStore;

fn sqlite() -> Stores {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(block_on(SqliteStore::open(dir.path())).expect("open"));
    Stores { threads: store.clone(), queue: store, keep: Box::new(dir) }
}

spindle_core::store_conformance_tests!(sqlite);
