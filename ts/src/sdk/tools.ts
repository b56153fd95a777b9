// Host tools as plain functions: their `dynamicTools` specs for thread/start, and the answers to the
// `item/tool/call` server requests that run them (PROTOCOL.md §3.8, §7.5).

import type { DynamicToolCallOutputContentItem } from '../generated/DynamicToolCallOutputContentItem.js';
import type { DynamicToolCallParams } from '../generated/DynamicToolCallParams.js';
import type { DynamicToolCallResponse } from '../generated/DynamicToolCallResponse.js';

/** What a tool handler may return: text, content items, or a whole answer (to say `success: false` itself). */
export type ToolOutput = string | DynamicToolCallOutputContentItem[] | DynamicToolCallResponse;

/** The call a handler is answering. */
export interface ToolCall {
  /** The thread whose turn called the tool. */
  threadId: string;
  /** The turn that called it. */
  turnId: string;
  /** The model's `call_id`; also the `dynamicToolCall` item id. */
  callId: string;
  /** The tool's name. */
  tool: string;
}

/** A host tool the model may call; `handler` runs in this process when it does. */
export interface SpindleTool<Args = unknown> {
  /** The name the model calls the tool by. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** JSON Schema of the arguments object (sent as the spec's `inputSchema`). */
  parameters: Record<string, unknown>;
  /**
   * Runs the tool with the model's parsed arguments; may return a Promise. A string becomes one
   * `inputText` item; a `ToolOutput` array or answer goes as it is; any other value is sent as its JSON text. A throw or rejection answers
   * `success: false` with the error's message, which the model reads.
   */
  handler(args: Args, call: ToolCall): unknown;
}

/** A tool's `dynamicTools` entry. */
export interface DynamicToolSpec {
  /** Always `function`: the SDK declares no namespaces. */
  type: 'function';
  /** The tool's `name`. */
  name: string;
  /** The tool's `description`. */
  description: string;
  /** The tool's `parameters`. */
  inputSchema: Record<string, unknown>;
}

/** The `dynamicTools` of `thread/start` for these tools. */
export function dynamicToolSpecs(tools: readonly SpindleTool[]): DynamicToolSpec[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, inputSchema: tool.parameters }));
}

/**
 * Answers one `item/tool/call` from `tools`. Never rejects: every outcome is an answer the server
 * can hand to the model, so a turn never waits on a broken handler.
 */
export async function answerToolCall(
  tools: readonly SpindleTool[],
  params: DynamicToolCallParams,
): Promise<DynamicToolCallResponse> {
  // Namespaced tools are not declared by the SDK, so a namespaced call is unknown here.
  const tool = params.namespace === null ? tools.find((candidate) => candidate.name === params.tool) : undefined;
  if (!tool) {
    // The words the server uses when a model calls a tool nobody declared (PROTOCOL.md §7.5).
    const name = params.namespace === null ? params.tool : `${params.namespace}.${params.tool}`;
    return failure(`unsupported call: ${name}`);
  }
  try {
    const call: ToolCall = { threadId: params.threadId, turnId: params.turnId, callId: params.callId, tool: params.tool };
    return toResponse(await tool.handler(params.arguments, call));
  } catch (error) {
    return failure(error instanceof Error ? error.message : String(error));
  }
}

function toResponse(output: unknown): DynamicToolCallResponse {
  if (typeof output === 'string') return { contentItems: [{ type: 'inputText', text: output }], success: true };
  if (Array.isArray(output)) return { contentItems: output as DynamicToolCallOutputContentItem[], success: true };
  if (isResponse(output)) return { contentItems: output.contentItems, success: output.success };
  const text = output === undefined ? '' : JSON.stringify(output);
  return { contentItems: [{ type: 'inputText', text }], success: true };
}

function isResponse(value: unknown): value is DynamicToolCallResponse {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<DynamicToolCallResponse>;
  return Array.isArray(candidate.contentItems) && typeof candidate.success === 'boolean';
}

function failure(text: string): DynamicToolCallResponse {
  return { contentItems: [{ type: 'inputText', text }], success: false };
}
