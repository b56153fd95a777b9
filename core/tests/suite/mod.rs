mod initialize;
mod no_panic;
mod thread_archive;
mod thread_name_set;
mod thread_resume;
mod thread_start;
mod turn_interrupt;
mod turn_start;
