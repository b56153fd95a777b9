// The input box and the turn buttons. Idle, the main button starts a turn; while a turn runs it
// queues the message instead, and Steer (add the text to the running turn) and Interrupt appear.

import { byId } from './dom.ts';

export interface ComposerActions {
  /** Start or queue, whichever the thread's state calls for. */
  send(text: string): void;
  steer(text: string): void;
  interrupt(): void;
}

export class Composer {
  readonly #input = byId<HTMLTextAreaElement>('input');
  readonly #send = byId<HTMLButtonElement>('send');
  readonly #steer = byId<HTMLButtonElement>('steer');
  readonly #interrupt = byId<HTMLButtonElement>('interrupt');

  constructor(actions: ComposerActions) {
    byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#take(actions.send);
    });
    this.#input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#take(actions.send);
      }
    });
    this.#steer.addEventListener('click', () => this.#take(actions.steer));
    this.#interrupt.addEventListener('click', () => actions.interrupt());
  }

  /** `enabled`: a thread is open; `busy`: a turn runs on it. */
  update(enabled: boolean, busy: boolean): void {
    this.#input.disabled = !enabled;
    this.#send.disabled = !enabled;
    this.#send.textContent = busy ? 'Queue' : 'Send';
    this.#send.title = busy ? 'A turn is running: this message waits in the queue' : 'Start a turn';
    this.#steer.hidden = !busy;
    this.#interrupt.hidden = !busy;
    this.#input.placeholder = !enabled
      ? 'Open or start a thread'
      : busy
        ? 'A turn is running: Queue waits for it, Steer adds to it'
        : 'Message (Enter sends, Shift+Enter for a new line)';
  }

  #take(action: (text: string) => void): void {
    const text = this.#input.value.trim();
    if (text === '' || this.#input.disabled) return;
    this.#input.value = '';
    action(text);
  }
}
