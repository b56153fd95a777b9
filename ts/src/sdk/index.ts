// The high-level SDK: `Spindle` (a connection), `Thread` (run, stream, steer, interrupt, queue), host tools.
export { Spindle, SDK_VERSION } from './spindle.js';
export type {
  ForkThreadOptions,
  ResumeThreadOptions,
  SpindleConnectOptions,
  SpindleCreateOptions,
  StartThreadOptions,
} from './spindle.js';
export { Thread, type RunOptions, type SteerOptions, type TurnInput } from './thread.js';
export type { DynamicToolSpec, SpindleTool, ToolCall, ToolOutput } from './tools.js';
export { ThreadQueue, type QueuedTurnOptions } from './queue.js';
