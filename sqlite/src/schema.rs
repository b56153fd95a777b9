//! Opening a store directory: owner-only files, WAL, the busy timeout, and the schema migrations
//! in `sqlite/migrations/`, applied in order and counted by SQLite's `user_version`.

use std::fs::{DirBuilder, OpenOptions};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use spindle_core::store::StoreError;

use crate::error::Failure;
use crate::thread_list;

/// The store's one file inside its directory (SQLite adds `-wal` and `-shm` beside it).
pub const FILE_NAME: &str = "spindle.sqlite";

/// How long a write waits for another connection's write to finish (another window of the same
/// app on the same store) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only; never edit one.
const MIGRATIONS: &[&str] =
    &[include_str!("../migrations/0001_init.sql"), include_str!("../migrations/0002_threads_rowid.sql")];

/// Opens (creating when needed) the store in `dir` and brings its schema up to date.
pub(crate) fn open(dir: &Path) -> Result<Connection, Failure> {
    let path = dir.join(FILE_NAME);
    create_owner_only(dir, &path)
        .map_err(|error| StoreError::Adapter(format!("cannot create the store at {}: {error}", path.display())))?;
    let mut connection = Connection::open(&path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = connection.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Adapter(format!(
            "the store at {} cannot use WAL (journal mode {mode})",
            path.display()
        ))
        .into());
    }
    // NORMAL, SQLite's advice for WAL: a commit is in the WAL file before the engine reports it
    // done, so it survives the process (or the host app) dying at any moment; only an OS crash or
    // power loss may roll back the last commits, and never corrupts the file. FULL would add an
    // fsync to every commit — several per turn, milliseconds each on these disks — for that case.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // 8 MiB of page cache (SQLite's default is 2): paging through a few hundred threads reads each
    // thread's record, and with the default the second page already evicts what the first read.
    // Only pages actually read take memory.
    connection.pragma_update(None, "cache_size", -8192)?;
    // Every statement the store runs stays prepared (rusqlite keeps 16 by default; the store has
    // about 30, and a turn or a queued turn's dispatch runs a dozen of them).
    connection.set_prepared_statement_cache_capacity(64);
    thread_list::register_functions(&connection)?;
    migrate(&mut connection)?;
    Ok(connection)
}

/// The directory (mode 0700) and the database file (0600), unless they exist; SQLite gives the
/// `-wal` and `-shm` files it creates later the database file's mode.
fn create_owner_only(dir: &Path, file: &Path) -> std::io::Result<()> {
    let mut dirs = DirBuilder::new();
    dirs.recursive(true);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        dirs.mode(0o700);
        options.mode(0o600);
    }
    dirs.create(dir)?;
    options.open(file).map(drop)
}

/// Applies the migrations the file lacks, each in its own write transaction, so a second process
/// opening the same store at the same moment waits, then finds the work done.
fn migrate(connection: &mut Connection) -> Result<(), Failure> {
    loop {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::Adapter(format!(
                "the store's schema is version {version}, newer than this Spindle knows ({known})"
            ))
            .into());
        }
        let Some(migration) = usize::try_from(version).ok().and_then(|index| MIGRATIONS.get(index)) else {
            return Ok(());
        };
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", version + 1)?;
        transaction.commit()?;
    }
}

/// SQLite's `PRAGMA integrity_check`: `ok`, or the problems it found, one per line.
pub(crate) fn integrity_check(connection: &Connection) -> Result<String, Failure> {
    let mut statement = connection.prepare("PRAGMA integrity_check")?;
    let lines = statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(lines.join("\n"))
}
