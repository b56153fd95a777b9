mod initialize;
mod no_panic;
mod thread_start;
mod turn_start;
