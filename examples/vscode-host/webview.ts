// A webview: a panel that reaches the engine only by messages over its port, as a VS Code webview
// does. A real one is a page bundling 'spindle/browser', whose `Spindle` is this same class.

import type { MessagePort } from 'node:worker_threads';

import { Spindle, type TurnEvent, type TurnResult, type TurnStream } from 'spindle';

import { portTransport } from './channel.ts';
import type { Screen } from './screen.ts';

/** Connects the webview at this end of `port` to the host's engine. */
export function openWebview(name: string, port: MessagePort): Promise<Spindle> {
  return Spindle.connect(portTransport(port), {
    clientInfo: { name: `vscode_host_webview_${name.toLowerCase()}`, title: `Webview ${name}`, version: '1.0.0' },
  });
}

/** What a panel saw of one turn. */
export interface ShownTurn {
  events: TurnEvent[];
  result: TurnResult;
}

/** Shows a turn in panel `name`, its reply streamed live when `live`; resolves once it has completed. */
export async function showTurn(screen: Screen, name: string, stream: TurnStream, live: boolean): Promise<ShownTurn> {
  const events: TurnEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (live && event.method === 'item/agentMessage/delta') screen.stream(name, event.params.delta);
  }
  if (live) screen.endStream();
  return { events, result: await stream.result };
}
