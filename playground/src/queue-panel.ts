// The queue panel: the thread's visible queue as the last `thread/queue/changed` carried it. Rows are
// dragged to reorder, edited in place, deleted, started now; a failed row shows its error and a retry.
// The panel only asks; the engine's answer (the next `thread/queue/changed`) is what it draws.

import type { QueuedTurn } from 'spindle/browser';
import { inputText } from './conversation.ts';
import { el } from './dom.ts';

/** What the panel asks the thread's queue to do. */
export interface QueueActions {
  reorder(queuedTurnIds: string[]): void;
  delete(queuedTurnId: string): void;
  update(queuedTurnId: string, text: string): void;
  start(queuedTurnId: string): void;
  retry(queuedTurnId: string): void;
}

export class QueuePanel {
  readonly #root: HTMLOListElement;
  readonly #actions: QueueActions;
  #rows: QueuedTurn[] = [];
  #busy = false;
  /** The row being edited and its editor, kept across redraws so typing survives a queue change. */
  #editing: { id: string; editor: HTMLTextAreaElement } | null = null;
  #dragged: string | null = null;

  constructor(root: HTMLOListElement, actions: QueueActions) {
    this.#root = root;
    this.#actions = actions;
  }

  /** Draws `rows`; `busy` (a turn is running) disables start-now, which the engine would refuse. */
  render(rows: QueuedTurn[], busy: boolean): void {
    // Redrawing moves the rows: a drag in progress would be dropped and an editor would lose focus,
    // so the panel redraws only when the queue or the thread's state changed.
    if (rows === this.#rows && busy === this.#busy && this.#root.hasChildNodes()) return;
    this.#rows = rows;
    this.#busy = busy;
    if (this.#editing && !rows.some((row) => row.id === this.#editing?.id)) this.#editing = null;
    this.#root.replaceChildren(...rows.map((row, index) => this.#row(row, index)));
    if (rows.length === 0) this.#root.append(el('li', { class: 'placeholder' }, 'Nothing queued. Messages sent while a turn runs wait here.'));
  }

  #row(row: QueuedTurn, index: number): HTMLLIElement {
    const failed = row.status.type === 'failed';
    const text = inputText(row.turnStartParams.input);
    const item = el('li', {
      class: failed ? 'queued failed' : 'queued',
      draggable: this.#editing?.id === row.id ? false : 'true',
      'data-queued-turn-id': row.id,
      ondragstart: (event: Event) => {
        this.#dragged = row.id;
        (event as DragEvent).dataTransfer?.setData('text/plain', row.id);
        item.classList.add('dragging');
      },
      ondragend: () => {
        this.#dragged = null;
        item.classList.remove('dragging');
      },
      ondragover: (event: Event) => {
        if (this.#dragged === null || this.#dragged === row.id) return;
        event.preventDefault();
        item.dataset.dropSide = dropSide(event as DragEvent, item);
      },
      ondragleave: () => delete item.dataset.dropSide,
      ondrop: (event: Event) => {
        event.preventDefault();
        delete item.dataset.dropSide;
        const dragged = this.#dragged ?? (event as DragEvent).dataTransfer?.getData('text/plain') ?? '';
        this.#drop(dragged, row.id, dropSide(event as DragEvent, item));
      },
    });
    const body = this.#editing?.id === row.id ? this.#editor(row) : el('div', { class: 'queued-text' }, text);
    item.append(el('span', { class: 'position', title: 'Drag to reorder' }, `${index + 1}`), body);
    if (row.status.type === 'failed') item.append(el('div', { class: 'queued-error' }, row.status.error.message));
    if (this.#editing?.id !== row.id) item.append(this.#buttons(row, text, failed));
    return item;
  }

  #buttons(row: QueuedTurn, text: string, failed: boolean): HTMLElement {
    const button = (action: string, label: string, onclick: () => void, extra: Record<string, string | boolean> = {}) =>
      el('button', { type: 'button', 'data-action': action, onclick, ...extra }, label);
    // A failed row blocks the queue until it is retried, edited, moved or deleted.
    const first = failed
      ? button('retry', 'Retry', () => this.#actions.retry(row.id))
      : button('start', 'Start now', () => this.#actions.start(row.id), {
          disabled: this.#busy,
          title: this.#busy ? 'A turn is running; queued turns start when it ends' : 'Start this turn now',
        });
    return el(
      'div',
      { class: 'queued-actions' },
      first,
      button('edit', 'Edit', () => this.#edit(row.id, text)),
      button('delete', 'Delete', () => this.#actions.delete(row.id)),
    );
  }

  #redraw(): void {
    this.#root.replaceChildren();
    this.render(this.#rows, this.#busy);
  }

  #editor(row: QueuedTurn): HTMLElement {
    const editor = this.#editing?.editor ?? el('textarea', { class: 'queued-editor', rows: 3 });
    const save = () => {
      const text = editor.value.trim();
      this.#editing = null;
      if (text !== '') this.#actions.update(row.id, text);
      this.#redraw();
    };
    const cancel = () => {
      this.#editing = null;
      this.#redraw();
    };
    editor.onkeydown = (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        save();
      } else if (event.key === 'Escape') cancel();
    };
    return el(
      'div',
      { class: 'queued-edit' },
      editor,
      el('button', { type: 'button', 'data-action': 'save', onclick: save }, 'Save'),
      el('button', { type: 'button', 'data-action': 'cancel', onclick: cancel }, 'Cancel'),
    );
  }

  #edit(id: string, text: string): void {
    const editor = el('textarea', { class: 'queued-editor', rows: 3 });
    editor.value = text;
    this.#editing = { id, editor };
    this.#redraw();
    editor.focus();
  }

  /** Moves `dragged` before or after `target` and asks for that order (every visible row, once). */
  #drop(dragged: string, target: string, side: 'before' | 'after'): void {
    if (dragged === target || !this.#rows.some((row) => row.id === dragged)) return;
    const ids = this.#rows.map((row) => row.id).filter((id) => id !== dragged);
    const at = ids.indexOf(target) + (side === 'after' ? 1 : 0);
    ids.splice(at, 0, dragged);
    this.#actions.reorder(ids);
  }
}

function dropSide(event: DragEvent, item: HTMLElement): 'before' | 'after' {
  const box = item.getBoundingClientRect();
  return event.clientY < box.top + box.height / 2 ? 'before' : 'after';
}
