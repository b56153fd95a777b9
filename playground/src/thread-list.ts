// The thread list: the engine's stored threads (thread/list, newest first), the open one marked,
// running ones flagged; a click opens a thread.

import type { ThreadInfo } from 'spindle/browser';
import { el } from './dom.ts';

export class ThreadList {
  readonly #root: HTMLUListElement;
  readonly #onOpen: (threadId: string) => void;
  #drawn = '';

  constructor(root: HTMLUListElement, onOpen: (threadId: string) => void) {
    this.#root = root;
    this.#onOpen = onOpen;
  }

  render(threads: readonly ThreadInfo[], currentId: string | null, running: ReadonlySet<string>): void {
    // Called on every streamed delta: rebuild only when what the list shows changed.
    const drawn = JSON.stringify([threads.map((thread) => [thread.id, threadTitle(thread), thread.createdAt]), currentId, [...running]]);
    if (drawn === this.#drawn) return;
    this.#drawn = drawn;
    if (threads.length === 0) {
      this.#root.replaceChildren(el('li', { class: 'placeholder' }, 'No threads yet.'));
      return;
    }
    this.#root.replaceChildren(
      ...threads.map((thread) =>
        el(
          'li',
          { 'data-thread-id': thread.id, class: thread.id === currentId ? 'current' : null },
          el(
            'button',
            { type: 'button', onclick: () => this.#onOpen(thread.id), title: thread.id },
            el('span', { class: 'thread-title' }, threadTitle(thread)),
            el('span', { class: 'thread-meta' }, running.has(thread.id) ? 'running…' : timeLabel(thread.createdAt)),
          ),
        ),
      ),
    );
  }
}

/** A thread's name, else its preview (the first user message), else a placeholder. */
export function threadTitle(thread: Pick<ThreadInfo, 'name' | 'preview'>): string {
  return thread.name?.trim() || thread.preview.trim() || 'New thread';
}

function timeLabel(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}
