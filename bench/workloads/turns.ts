// Latency on one long-lived server per target: thread/start, a turn with a one-delta reply, one
// turn streaming 5,000 deltas, and draining 100 queued turns; plus the in-process engines' turn
// overhead over the bare model request.

import { interleave, median, timeMs } from '../measure.ts';
import { deltasPrompt } from '../prompt.ts';
import type { Row } from '../report.ts';
import { startThread, timedTurn, turnsCompleted } from '../session.ts';
import type { TargetName } from '../targets.ts';
import { createFetchTransport } from '../../ts/src/index.ts';
import type { Context } from './context.ts';

const STREAMED_DELTAS = 5_000;
const QUEUED_TURNS = 100;

export async function threadStart(context: Context): Promise<Row[]> {
  context.progress('thread/start');
  const samples = await interleave(context.targets, context.rounds.threadStart, async (target) =>
    timeMs(() => context.server(target).client.request('thread/start', {})),
  );
  return [{ id: 'thread-start', title: 'thread/start', unit: 'ms', samples, p95: true }];
}

/**
 * What one model request costs without any engine: `createFetchTransport` (what the in-process
 * engines use) posting to the mock and reading the one-delta reply to its end, in this process.
 */
async function bareModelRequest(mockUrl: string, id: number): Promise<number> {
  const transport = createFetchTransport({ baseUrl: mockUrl, apiKey: 'sk-bench' });
  const body = JSON.stringify({ model: 'mock-model', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }] });
  return timeMs(async () => {
    await transport.post(JSON.stringify({ id, path: '/responses', headers: { 'content-type': 'application/json' }, body }));
    while ((await transport.read(id)) !== null);
  });
}

export async function turnRoundTrip(context: Context): Promise<Row[]> {
  context.progress('turn round trip (1-delta reply)');
  const threads = new Map<TargetName, string>();
  for (const target of context.targets) threads.set(target.name, await startThread(context.server(target).client));
  let requests = 0;
  const model = { name: 'model' };
  const samples = await interleave([...context.targets, model], context.rounds.turns, async (item) => {
    if (item === model) return bareModelRequest(context.env.mockUrl, (requests += 1));
    const target = context.targets.find((candidate) => candidate.name === item.name);
    if (!target) throw new Error(`no target ${item.name}`);
    const { ms } = await timedTurn(context.server(target).client, threads.get(target.name) ?? '', 'Say hi.');
    return ms;
  }, 3);
  const modelMs = median(samples.model ?? []);
  delete samples.model;
  const overhead: Row = {
    id: 'turn-overhead',
    title: `in-process turn overhead (turn − bare model request, ${modelMs.toFixed(2)} ms)`,
    unit: 'µs',
    samples: {},
  };
  for (const name of ['napi', 'wasm'] as const) {
    const turns = samples[name];
    if (turns) overhead.samples[name] = turns.map((ms) => (ms - modelMs) * 1000);
  }
  return [{ id: 'turn-rtt', title: 'turn round trip, 1-delta reply', unit: 'ms', samples, p95: true }, overhead];
}

export async function streamedDeltas(context: Context): Promise<Row[]> {
  context.progress(`one turn streaming ${STREAMED_DELTAS} deltas`);
  const delivered = new Map<TargetName, number[]>();
  const samples = await interleave(context.targets, context.rounds.deltas, async (target) => {
    const { client } = context.server(target);
    const threadId = await startThread(client);
    const { ms, deltas } = await timedTurn(client, threadId, deltasPrompt(STREAMED_DELTAS));
    delivered.set(target.name, [...(delivered.get(target.name) ?? []), deltas]);
    return ms;
  });
  const notes: Row['notes'] = {};
  const rates: Row['samples'] = {};
  for (const [name, counts] of delivered) {
    const fewest = Math.min(...counts);
    notes[name] = fewest === STREAMED_DELTAS ? '(all)' : `(only ${fewest}/${STREAMED_DELTAS})`;
    rates[name] = (samples[name] ?? []).map((ms) => (STREAMED_DELTAS * 1000) / ms);
  }
  return [
    { id: 'deltas-5k', title: `one turn, ${STREAMED_DELTAS.toLocaleString('en-US')} deltas: wall time`, unit: 'ms', samples, notes },
    { id: 'deltas-rate', title: `  deltas per second`, unit: '/s', samples: rates },
  ];
}

export async function queueDrain(context: Context): Promise<Row[]> {
  context.progress(`draining ${QUEUED_TURNS} queued turns`);
  const samples = await interleave(context.targets, context.rounds.drain, async (target) => {
    const { client } = context.server(target);
    const threadId = await startThread(client);
    return timeMs(async () => {
      const drained = turnsCompleted(client, threadId, QUEUED_TURNS);
      const adds: Array<Promise<unknown>> = [];
      for (let n = 1; n <= QUEUED_TURNS; n += 1) adds.push(client.rawRequest('thread/queue/add', target.queueAdd(threadId, `Queued ${n}.`, n)));
      await Promise.all(adds);
      await drained;
    });
  });
  return [{ id: 'drain-100', title: `drain ${QUEUED_TURNS} queued turns (first add → last turn/completed)`, unit: 'ms', samples }];
}
