// Where the playground's model comes from: the engine's built-in scripted model (the default, offline)
// or a Responses API endpoint. Settings live in this page's memory only: the API key is never
// written anywhere, so a reload starts over on the scripted model.

import { byId } from './dom.ts';
import type { SpindleCreateOptions } from 'spindle/browser';

export interface Settings {
  source: 'scripted' | 'responses';
  /** Pause between the scripted model's chunks, so a reply streams long enough to queue behind it. */
  scriptedChunkDelayMs: number;
  /** The Responses API base URL, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey: string;
  /** Model for new threads; empty keeps the engine's default. */
  model: string;
}

export const defaultSettings: Settings = { source: 'scripted', scriptedChunkDelayMs: 60, baseUrl: '', apiKey: '', model: '' };

/** `Spindle.create` options for these settings; storage is left to the browser default (IndexedDB). */
export function createOptions(settings: Settings): SpindleCreateOptions {
  const model = settings.model.trim() === '' ? {} : { model: settings.model.trim() };
  if (settings.source === 'scripted') return { ...model, scriptedChunkDelayMs: settings.scriptedChunkDelayMs };
  return { ...model, baseUrl: settings.baseUrl.trim(), apiKey: settings.apiKey === '' ? null : settings.apiKey };
}

/** A one-line description for the header. */
export function describe(settings: Settings): string {
  return settings.source === 'scripted'
    ? `scripted model (${settings.scriptedChunkDelayMs} ms per chunk)`
    : `${settings.baseUrl.trim()}${settings.apiKey ? ' · key set' : ''}`;
}

/** The settings form (index.html's #settings): fills it, reads it, applies on submit. */
export class SettingsPanel {
  readonly #form = byId<HTMLFormElement>('settings-form');

  constructor(onApply: (settings: Settings) => void) {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      const settings = this.read();
      if (settings) onApply(settings);
    });
    this.#form.addEventListener('change', () => this.#showFields());
  }

  show(settings: Settings): void {
    this.#input('source-scripted').checked = settings.source === 'scripted';
    this.#input('source-responses').checked = settings.source === 'responses';
    this.#input('chunk-delay').value = String(settings.scriptedChunkDelayMs);
    this.#input('base-url').value = settings.baseUrl;
    this.#input('api-key').value = settings.apiKey;
    this.#input('model').value = settings.model;
    this.#showFields();
  }

  /** The form's settings, or `null` (with the browser's message shown) when a field is invalid. */
  read(): Settings | null {
    if (!this.#form.reportValidity()) return null;
    return {
      source: this.#input('source-responses').checked ? 'responses' : 'scripted',
      scriptedChunkDelayMs: Number(this.#input('chunk-delay').value) || 0,
      baseUrl: this.#input('base-url').value,
      apiKey: this.#input('api-key').value,
      model: this.#input('model').value,
    };
  }

  #showFields(): void {
    const responses = this.#input('source-responses').checked;
    byId('responses-fields').hidden = !responses;
    byId('scripted-fields').hidden = responses;
    this.#input('base-url').required = responses;
  }

  #input(id: string): HTMLInputElement {
    return byId<HTMLInputElement>(id);
  }
}
