// The playground's controller: one Spindle connection to an in-page wasm engine (threads and queued
// turns in IndexedDB), the threads opened on it, and the views. Every change the user asks for is a
// protocol request; what the views draw comes back as notifications.

import { createIndexedDbStore, Spindle, type IndexedDbStore, type Notification, type QueuedTurn, type Thread, type ThreadInfo } from 'spindle/browser';
import { Composer } from './composer.ts';
import { Conversation } from './conversation.ts';
import { ConversationView } from './conversation-view.ts';
import { byId } from './dom.ts';
import { QueuePanel } from './queue-panel.ts';
import { createOptions, defaultSettings, describe, SettingsPanel, type Settings } from './settings.ts';
import { ThreadList, threadTitle } from './thread-list.ts';
import { playgroundTools } from './tools.ts';

/** A thread resumed (or started) on the current connection, and what the views draw of it. */
interface OpenThread {
  thread: Thread;
  conversation: Conversation;
  queue: QueuedTurn[];
  /** A `turn/start` was sent and its `turn/started` has not arrived: a second send must queue. */
  starting: boolean;
}

export class Playground {
  /** Threads and queued turns: the origin's IndexedDB database `spindle`, kept across engines and reloads. */
  readonly store: IndexedDbStore = createIndexedDbStore();
  #spindle: Spindle | null = null;
  #settings: Settings = defaultSettings;
  #threads: ThreadInfo[] = [];
  readonly #open = new Map<string, OpenThread>();
  /** Threads being resumed, with the notifications about them that arrived meanwhile. */
  readonly #opening = new Map<string, Notification[]>();
  #currentId: string | null = null;
  #listRefresh: Promise<void> | null = null;

  readonly #threadList = new ThreadList(byId<HTMLUListElement>('thread-list'), (id) => this.#act(() => this.openThread(id)));
  readonly #conversationView = new ConversationView(byId('messages'));
  readonly #queuePanel = new QueuePanel(byId<HTMLOListElement>('queue'), {
    reorder: (ids) => this.#act(() => this.#current().thread.queue.reorder(ids)),
    delete: (id) => this.#act(() => this.#current().thread.queue.delete(id)),
    update: (id, text) => this.#act(() => this.#updateQueued(id, text)),
    start: (id) => this.#act(() => this.#current().thread.queue.start(id)),
    retry: (id) => this.#act(() => this.#retryQueued(id)),
  });
  readonly #composer = new Composer({
    send: (text) => this.#act(() => this.send(text)),
    steer: (text) => this.#act(() => this.steer(text)),
    interrupt: () => this.#act(() => this.interrupt()),
  });
  readonly #settingsPanel = new SettingsPanel((settings) => this.#act(() => this.applySettings(settings)));

  /** The current connection (for trying protocol calls from devtools). */
  get spindle(): Spindle | null {
    return this.#spindle;
  }

  /** The thread shown. */
  get currentThreadId(): string | null {
    return this.#currentId;
  }

  /** Connects with the default settings, lists the threads and reopens the one in the URL hash. */
  async start(): Promise<void> {
    byId('new-thread').addEventListener('click', () => this.#act(() => this.newThread()));
    window.addEventListener('hashchange', () => {
      const id = threadIdFromHash();
      if (id && id !== this.#currentId) this.#act(() => this.openThread(id));
    });
    this.#settingsPanel.show(this.#settings);
    await this.#connect(this.#settings);
    await this.refreshThreads();
    const id = threadIdFromHash();
    if (id) await this.openThread(id).catch((error: unknown) => this.#report(error));
    this.#draw();
  }

  /** Replaces the engine with one on `settings` (the stores stay: IndexedDB), reopening the current thread. */
  async applySettings(settings: Settings): Promise<void> {
    const running = [...this.#open.values()].find((open) => open.conversation.activeTurnId !== null || open.starting);
    if (running) {
      // The old engine would finish that turn and then run the thread's queue while the new one also could.
      throw new Error(`a turn is running on “${threadTitle(running.thread.info)}”: interrupt it or let it finish before changing the model`);
    }
    await this.#connect(settings);
    this.#settings = settings;
    const current = this.#currentId;
    this.#currentId = null;
    if (current) await this.openThread(current);
    this.#notice(`Using the ${describe(settings)}.`);
  }

  async newThread(): Promise<void> {
    const thread = await this.#connection().startThread();
    this.#open.set(thread.id, { thread, conversation: new Conversation(), queue: [], starting: false });
    this.#show(thread.id);
    await this.refreshThreads();
  }

  /** Resumes a stored thread on this connection (once) and shows it with its queue. */
  async openThread(threadId: string): Promise<void> {
    if (!this.#open.has(threadId) && !this.#opening.has(threadId)) {
      // Notifications that beat this continuation (a queued turn the resume starts) are kept: all
      // of them came after the resume answer (the server answers first), so all of them apply.
      const early: Notification[] = [];
      this.#opening.set(threadId, early);
      let thread: Thread;
      try {
        thread = await this.#connection().resumeThread(threadId);
      } finally {
        this.#opening.delete(threadId);
      }
      const open: OpenThread = { thread, conversation: new Conversation(thread.info.turns), queue: [], starting: false };
      this.#open.set(threadId, open);
      for (const notification of early) this.#apply(open, notification);
      // Resuming re-sends the queue only when it has rows; ask once so the panel starts right either way.
      const { data } = await thread.queue.list({ limit: 100 });
      if (this.#open.get(threadId) === open) open.queue = data;
    }
    this.#show(threadId);
  }

  /** Starts a turn on an idle thread; queues the message while a turn runs. */
  async send(text: string): Promise<void> {
    const open = this.#current();
    if (open.conversation.activeTurnId !== null || open.starting) {
      await open.thread.queue.add(text);
      return;
    }
    open.starting = true;
    this.#draw();
    const result = open.thread.run(text);
    // The turn draws itself from notifications; only a turn that never started is reported here.
    result.catch((error: unknown) => {
      if (open.starting) {
        open.starting = false;
        this.#draw();
      }
      this.#report(error);
    });
  }

  async steer(text: string): Promise<void> {
    const open = this.#current();
    const turnId = open.conversation.activeTurnId;
    if (turnId === null) throw new Error('no turn is running to steer');
    await open.thread.steer(text, { expectedTurnId: turnId });
  }

  async interrupt(): Promise<void> {
    const open = this.#current();
    const turnId = open.conversation.activeTurnId;
    if (turnId === null) throw new Error('no turn is running to interrupt');
    await open.thread.interrupt(turnId);
  }

  /** Reloads the thread list: the first page of thread/list, newest first. */
  refreshThreads(): Promise<void> {
    // One refresh at a time; a burst of notifications shares it.
    this.#listRefresh ??= (async () => {
      try {
        for await (const page of this.#connection().listThreads({ sortKey: 'created_at', sortDirection: 'desc', limit: 50 })) {
          this.#threads = page.data;
          break;
        }
        this.#draw();
      } finally {
        this.#listRefresh = null;
      }
    })();
    return this.#listRefresh;
  }

  async #connect(settings: Settings): Promise<void> {
    const spindle = await Spindle.create({
      ...createOptions(settings),
      storage: this.store,
      tools: playgroundTools,
      clientInfo: clientInfo(),
    });
    this.#spindle?.close();
    this.#open.clear();
    this.#opening.clear();
    this.#spindle = spindle;
    spindle.onNotification((notification) => this.#onNotification(notification));
    byId('model-source').textContent = describe(settings);
  }

  #onNotification(notification: Notification): void {
    const params = notification.params as { threadId?: string; thread?: { id: string } };
    const threadId = params.threadId ?? params.thread?.id;
    const open = threadId === undefined ? undefined : this.#open.get(threadId);
    if (open) this.#apply(open, notification);
    else if (threadId !== undefined) this.#opening.get(threadId)?.push(notification);
    if (['thread/started', 'turn/completed', 'thread/name/updated', 'thread/deleted'].includes(notification.method)) {
      void this.refreshThreads().catch((error: unknown) => this.#report(error));
    }
    if (open || notification.method === 'turn/started') this.#draw(threadId);
  }

  #apply(open: OpenThread, notification: Notification): void {
    if (notification.method === 'thread/queue/changed') open.queue = notification.params.queuedTurns;
    if (notification.method === 'turn/started') open.starting = false;
    open.conversation.apply(notification);
  }

  /** Edits a queued turn's text, keeping the rest of its `turn/start` params. */
  async #updateQueued(queuedTurnId: string, text: string): Promise<void> {
    const open = this.#current();
    const row = open.queue.find((candidate) => candidate.id === queuedTurnId);
    if (!row) throw new Error('that queued turn is gone (it may have started)');
    const { threadId: _threadId, input: _input, ...options } = row.turnStartParams;
    await open.thread.queue.update(queuedTurnId, text, options);
  }

  /** A failed row: started now on an idle thread, else made pending again (it then runs in its turn). */
  async #retryQueued(queuedTurnId: string): Promise<void> {
    const open = this.#current();
    if (open.conversation.activeTurnId === null && !open.starting) {
      await open.thread.queue.start(queuedTurnId);
      return;
    }
    const row = open.queue.find((candidate) => candidate.id === queuedTurnId);
    if (!row) throw new Error('that queued turn is gone');
    const { threadId: _threadId, input, ...options } = row.turnStartParams;
    await open.thread.queue.update(queuedTurnId, input, options);
  }

  #show(threadId: string): void {
    if (this.#currentId !== threadId) {
      this.#currentId = threadId;
      this.#conversationView.clear();
      if (threadIdFromHash() !== threadId) history.replaceState(null, '', `#${threadId}`);
    }
    this.#draw();
  }

  /** Redraws the views; with `threadId`, only if that thread is the one shown (the list always). */
  #draw(threadId?: string): void {
    const running = new Set([...this.#open].filter(([, open]) => open.conversation.activeTurnId !== null).map(([id]) => id));
    this.#threadList.render(this.#threadsShown(), this.#currentId, running);
    if (threadId !== undefined && threadId !== this.#currentId) return;
    const open = this.#currentId === null ? undefined : this.#open.get(this.#currentId);
    const busy = open !== undefined && (open.conversation.activeTurnId !== null || open.starting);
    if (!open) this.#conversationView.clear('Start a new thread, or open one from the list.');
    else if (open.conversation.turns.length === 0) this.#conversationView.clear('Say something to start the conversation.');
    else this.#conversationView.render(open.conversation);
    this.#queuePanel.render(open?.queue ?? noRows, busy);
    this.#composer.update(open !== undefined, busy);
    byId('thread-title').textContent = open ? this.#title(open) : 'Spindle playground';
    byId('thread-status').textContent = !open ? '' : busy ? 'turn running' : 'idle';
  }

  /** The thread's listed title; before thread/list has a preview for it, its first message. */
  #title(open: OpenThread): string {
    const listed = this.#threads.find((thread) => thread.id === open.thread.id) ?? open.thread.info;
    const first = open.conversation.turns[0]?.items.find((item) => item.kind === 'user');
    return threadTitle(listed.preview === '' && first?.kind === 'user' ? { ...listed, preview: first.text } : listed);
  }

  /** The listed threads, plus open ones thread/list does not show yet (no turn so far). */
  #threadsShown(): ThreadInfo[] {
    const listed = new Set(this.#threads.map((thread) => thread.id));
    const unlisted = [...this.#open.values()].map((open) => open.thread.info).filter((info) => !listed.has(info.id));
    return [...unlisted.reverse(), ...this.#threads];
  }

  #current(): OpenThread {
    const open = this.#currentId === null ? undefined : this.#open.get(this.#currentId);
    if (!open) throw new Error('no thread is open');
    return open;
  }

  #connection(): Spindle {
    if (!this.#spindle) throw new Error('the engine is not ready yet');
    return this.#spindle;
  }

  /** Runs a user action; its failure is shown, never thrown into an event handler. */
  #act(action: () => Promise<unknown>): void {
    this.#notice('');
    action().catch((error: unknown) => this.#report(error));
  }

  #report(error: unknown): void {
    console.warn('playground:', error);
    this.#notice(error instanceof Error ? error.message : String(error), true);
  }

  #notice(text: string, isError = false): void {
    const notice = byId('notice');
    notice.textContent = text;
    notice.hidden = text === '';
    notice.classList.toggle('error', isError);
  }
}

const noRows: QueuedTurn[] = [];

function threadIdFromHash(): string | null {
  const id = decodeURIComponent(location.hash.slice(1));
  return id === '' ? null : id;
}

function clientInfo() {
  return { name: 'spindle_playground', title: 'Spindle playground', version: '0.1.0' };
}
