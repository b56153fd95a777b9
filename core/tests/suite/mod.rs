mod initialize;
mod no_panic;
mod thread_start;
mod turn_interrupt;
mod turn_start;
