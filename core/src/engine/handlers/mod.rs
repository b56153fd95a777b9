//! One function per method, grouped by the protocol noun it acts on.

pub mod initialize;
pub mod model;
pub mod queue;
pub mod thread;
pub mod thread_archive;
pub mod thread_fork;
pub mod thread_list;
pub mod thread_resume;
pub mod thread_turns_list;
pub mod thread_unsubscribe;
pub mod turn;
