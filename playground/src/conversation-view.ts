// Draws a Conversation into the message pane. Elements are keyed by turn and item id and only their
// text is touched on a delta, so streaming does not rebuild the pane (or lose a text selection).

import type { Conversation, ItemView, TurnView } from './conversation.ts';
import { el } from './dom.ts';

export class ConversationView {
  readonly #root: HTMLElement;
  readonly #turns = new Map<string, HTMLElement>();
  readonly #items = new Map<string, HTMLElement>();

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  /** Empties the pane (another thread is shown next), with `placeholder` in it. */
  clear(placeholder = ''): void {
    this.#turns.clear();
    this.#items.clear();
    this.#root.replaceChildren(placeholder ? el('p', { class: 'placeholder' }, placeholder) : '');
  }

  render(conversation: Conversation): void {
    if (this.#turns.size === 0) this.#root.replaceChildren();
    const stickToBottom = this.#root.scrollHeight - this.#root.scrollTop - this.#root.clientHeight < 40;
    for (const turn of conversation.turns) this.#renderTurn(turn);
    if (stickToBottom) this.#root.scrollTop = this.#root.scrollHeight;
  }

  #renderTurn(turn: TurnView): void {
    let element = this.#turns.get(turn.id);
    if (!element) {
      element = el('section', { class: 'turn', 'data-turn-id': turn.id }, el('div', { class: 'turn-items' }), el('footer', { class: 'turn-status' }));
      this.#turns.set(turn.id, element);
      this.#root.append(element);
    }
    element.dataset.status = turn.status;
    const list = element.querySelector('.turn-items') as HTMLElement;
    // Items only ever append within a turn, except when turn/completed hands back the kept items.
    const keep = new Set(turn.items.map((item) => item.id));
    for (const child of [...list.children] as HTMLElement[]) {
      if (!keep.has(child.dataset.itemId ?? '')) {
        this.#items.delete(child.dataset.itemId ?? '');
        child.remove();
      }
    }
    for (const item of turn.items) list.append(this.#renderItem(item));
    const footer = element.querySelector('.turn-status') as HTMLElement;
    footer.textContent = turnStatusText(turn);
  }

  #renderItem(item: ItemView): HTMLElement {
    let element = this.#items.get(item.id);
    if (!element || element.dataset.kind !== item.kind) {
      element = el('article', { class: `item item-${item.kind}`, 'data-item-id': item.id, 'data-kind': item.kind });
      this.#items.set(item.id, element);
    }
    const content = itemContent(item);
    // Deltas change one string: compare before touching the DOM.
    if (element.dataset.rendered !== content.key) {
      element.dataset.rendered = content.key;
      element.replaceChildren(...content.nodes);
    }
    element.classList.toggle('streaming', 'done' in item && !item.done);
    return element;
  }
}

function itemContent(item: ItemView): { key: string; nodes: Node[] } {
  switch (item.kind) {
    case 'user':
      return { key: item.text, nodes: [el('div', { class: 'role' }, 'You'), el('div', { class: 'text' }, item.text)] };
    case 'agent':
      return { key: item.text, nodes: [el('div', { class: 'role' }, 'Assistant'), el('div', { class: 'text' }, item.text)] };
    case 'reasoning': {
      const text = item.summary.filter((part) => part !== '').join('\n\n');
      return { key: text, nodes: [el('div', { class: 'role' }, 'Reasoning'), el('div', { class: 'text' }, text || '…')] };
    }
    case 'tool': {
      const key = JSON.stringify([item.tool, item.arguments, item.status, item.output]);
      const outcome = item.success === false ? 'failed' : item.status;
      return {
        key,
        nodes: [
          el('div', { class: 'role' }, `Tool call · ${item.tool} · ${outcome}`),
          el('code', { class: 'arguments' }, item.arguments),
          ...(item.output === null ? [] : [el('pre', { class: 'output' }, item.output)]),
        ],
      };
    }
    case 'compaction':
      return { key: 'compaction', nodes: [el('div', { class: 'role' }, 'Context compacted')] };
  }
}

function turnStatusText(turn: TurnView): string {
  const status = turn.status === 'inProgress' ? 'running…' : turn.status;
  return turn.error ? `${status}: ${turn.error}` : status;
}
