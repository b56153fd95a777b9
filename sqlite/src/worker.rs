//! The store's own OS thread. SQLite calls block, so they run here, one at a time, and never on
//! the caller's executor (napi's tokio workers, the browser-less test's `block_on`): every store
//! operation is a job sent over a channel, and its future only waits for the answer.

use std::sync::mpsc;

use rusqlite::Connection;
use spindle_core::host::{BoxFut, boxed};
use spindle_core::store::StoreError;
use tokio::sync::oneshot;

use crate::error::Failure;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A handle on the thread that owns the connection. The thread ends, closing the connection,
/// once every handle is dropped and the jobs already sent have run.
pub(crate) struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Starts the thread, which opens the connection with `open`; resolves once it is open.
    pub(crate) async fn start(
        open: impl FnOnce() -> Result<Connection, Failure> + Send + 'static,
    ) -> Result<Worker, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (opened, ready) = oneshot::channel::<Result<(), StoreError>>();
        std::thread::Builder::new()
            .name("spindle-sqlite".into())
            .spawn(move || {
                let mut connection = match open() {
                    Ok(connection) => connection,
                    Err(failure) => {
                        let _ = opened.send(Err(failure.into()));
                        return;
                    }
                };
                let _ = opened.send(Ok(()));
                while let Ok(job) = queue.recv() {
                    job(&mut connection);
                }
            })
            .map_err(|error| StoreError::Adapter(format!("cannot start the store thread: {error}")))?;
        ready.await.map_err(|_| stopped())??;
        Ok(Worker { jobs })
    }

    /// Runs `job` on the store's thread and resolves with its answer.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    ) -> BoxFut<'static, Result<T, StoreError>> {
        let (reply, answer) = oneshot::channel();
        let sent = self.jobs.send(Box::new(move |connection: &mut Connection| {
            // The caller may have stopped waiting; the job has run either way.
            let _ = reply.send(job(connection).map_err(StoreError::from));
        }));
        boxed(async move {
            sent.map_err(|_| stopped())?;
            answer.await.map_err(|_| stopped())?
        })
    }
}

fn stopped() -> StoreError {
    StoreError::Adapter("the SQLite store's thread has stopped".into())
}
