mod initialize;
mod thread_start;
mod turn_start;
