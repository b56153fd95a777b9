// A thread's conversation as the playground draws it: turns and their items, built from the turns
// `thread/resume` answers with and kept current by the thread's notifications. No DOM here.

import type { Notification, ThreadItem, Turn, TurnStatus } from 'spindle/browser';

/** One item as drawn: what the user said, what the model said or thought, a tool it called. */
export type ItemView =
  | { kind: 'user'; id: string; text: string }
  | { kind: 'agent'; id: string; text: string; done: boolean }
  | { kind: 'reasoning'; id: string; summary: string[]; done: boolean }
  | { kind: 'tool'; id: string; tool: string; arguments: string; status: string; output: string | null; success: boolean | null }
  | { kind: 'compaction'; id: string };

export interface TurnView {
  id: string;
  status: TurnStatus;
  /** The turn's error, or the last `error` notification while it retries. */
  error: string | null;
  items: ItemView[];
}

/** The turns of one thread, oldest first. */
export class Conversation {
  readonly turns: TurnView[];

  constructor(turns: readonly Turn[] = []) {
    this.turns = turns.map(turnView);
  }

  /** The turn in progress, if any (the engine runs one turn per thread at a time). */
  get activeTurnId(): string | null {
    const last = this.turns.at(-1);
    return last?.status === 'inProgress' ? last.id : null;
  }

  /** Applies one notification of this thread; `true` when the conversation changed. */
  apply(notification: Notification): boolean {
    switch (notification.method) {
      case 'turn/started':
        this.#turn(notification.params.turn.id);
        return true;
      case 'turn/completed': {
        const { turn } = notification.params;
        const view = this.#turn(turn.id);
        view.status = turn.status;
        view.error = turn.error?.message ?? null;
        // A finished turn as history keeps it; an interrupted one comes without items (view notLoaded).
        if (turn.itemsView === 'full') view.items = turn.items.map((item) => itemView(item, true));
        else for (const item of view.items) if ('done' in item) item.done = true;
        return true;
      }
      case 'item/started':
      case 'item/completed': {
        const { item, turnId } = notification.params;
        this.#putItem(turnId, itemView(item, notification.method === 'item/completed'));
        return true;
      }
      case 'item/agentMessage/delta': {
        const item = this.#item(notification.params.turnId, notification.params.itemId);
        if (item?.kind !== 'agent') return false;
        item.text += notification.params.delta;
        return true;
      }
      case 'item/reasoning/summaryPartAdded':
      case 'item/reasoning/summaryTextDelta': {
        const { turnId, itemId, summaryIndex } = notification.params;
        const item = this.#item(turnId, itemId);
        if (item?.kind !== 'reasoning') return false;
        while (item.summary.length <= summaryIndex) item.summary.push('');
        if (notification.method === 'item/reasoning/summaryTextDelta') item.summary[summaryIndex] += notification.params.delta;
        return true;
      }
      case 'error':
        this.#turn(notification.params.turnId).error = notification.params.willRetry
          ? `${notification.params.error.message} (retrying)`
          : notification.params.error.message;
        return true;
      default:
        return false;
    }
  }

  #turn(turnId: string): TurnView {
    let turn = this.turns.find((candidate) => candidate.id === turnId);
    if (!turn) {
      turn = { id: turnId, status: 'inProgress', error: null, items: [] };
      this.turns.push(turn);
    }
    return turn;
  }

  #item(turnId: string, itemId: string): ItemView | undefined {
    return this.turns.find((turn) => turn.id === turnId)?.items.find((item) => item.id === itemId);
  }

  #putItem(turnId: string, item: ItemView): void {
    const items = this.#turn(turnId).items;
    const at = items.findIndex((candidate) => candidate.id === item.id);
    if (at === -1) items.push(item);
    else items[at] = item;
  }
}

function turnView(turn: Turn): TurnView {
  const done = turn.status !== 'inProgress';
  return { id: turn.id, status: turn.status, error: turn.error?.message ?? null, items: turn.items.map((item) => itemView(item, done)) };
}

/** The drawn form of a protocol item. */
export function itemView(item: ThreadItem, done: boolean): ItemView {
  switch (item.type) {
    case 'userMessage':
      return { kind: 'user', id: item.id, text: inputText(item.content) };
    case 'agentMessage':
      return { kind: 'agent', id: item.id, text: item.text, done };
    case 'reasoning':
      return { kind: 'reasoning', id: item.id, summary: [...item.summary], done };
    case 'dynamicToolCall':
      return {
        kind: 'tool',
        id: item.id,
        tool: item.namespace ? `${item.namespace}.${item.tool}` : item.tool,
        arguments: JSON.stringify(item.arguments),
        status: item.status,
        output: item.contentItems?.map((content) => (content.type === 'inputText' ? content.text : `[${content.type}]`)).join('\n') ?? null,
        success: item.success,
      };
    case 'contextCompaction':
      return { kind: 'compaction', id: item.id };
  }
}

/** The text of user input parts; images show as a placeholder. */
export function inputText(input: ReadonlyArray<{ type: string; text?: string }>): string {
  return input.map((part) => (part.type === 'text' ? (part.text ?? '') : `[${part.type}]`)).join('\n');
}
