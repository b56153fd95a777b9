// Many threads: 500 threads (each with one turn, since threads without a turn are not listed),
// then thread/list's first page and every page to the end.

import { interleave, timeMs } from '../measure.ts';
import type { Row } from '../report.ts';
import { inParallel, startThread, timedTurn } from '../session.ts';
import type { Server, TargetName } from '../targets.ts';
import type { Context } from './context.ts';

const THREADS = 500;

interface ListPage {
  data?: unknown[];
  nextCursor?: string | null;
}

export async function listing(context: Context): Promise<Row[]> {
  context.progress(`${THREADS} threads: creating on every target at once`);
  const servers = new Map<TargetName, Server>();
  await Promise.all(
    context.targets.map(async (target) => {
      const server = await target.start(target.newHome());
      await inParallel(THREADS, 16, async (index) => {
        const threadId = await startThread(server.client);
        await timedTurn(server.client, threadId, `Thread ${index}: hello.`);
      });
      servers.set(target.name, server);
    }),
  );
  const serverOf = (name: TargetName): Server => {
    const server = servers.get(name);
    if (!server) throw new Error(`no listing server for ${name}`);
    return server;
  };

  try {
    context.progress('thread/list, first page');
    const firstPage = await interleave(context.targets, context.rounds.firstPage, async (target) =>
      timeMs(() => serverOf(target.name).client.rawRequest('thread/list', {})),
    );

    context.progress(`thread/list, every page of ${THREADS}`);
    const pages = new Map<TargetName, number>();
    const allPages = await interleave(context.targets, context.rounds.allPages, async (target) => {
      const { client } = serverOf(target.name);
      let listed = 0;
      let count = 0;
      const ms = await timeMs(async () => {
        let cursor: string | null = null;
        do {
          const page = (await client.rawRequest('thread/list', cursor === null ? {} : { cursor })) as ListPage;
          listed += page.data?.length ?? 0;
          count += 1;
          cursor = page.nextCursor ?? null;
        } while (cursor !== null);
      });
      if (listed !== THREADS) throw new Error(`${target.name}: thread/list listed ${listed} threads, not ${THREADS}`);
      pages.set(target.name, count);
      return ms;
    });
    const notes: Row['notes'] = {};
    for (const [name, count] of pages) notes[name] = `(${count} pages)`;
    return [
      { id: 'list-first', title: 'thread/list, first page', unit: 'ms', samples: firstPage, p95: true },
      { id: 'list-all', title: `thread/list, all ${THREADS} threads`, unit: 'ms', samples: allPages, notes },
    ];
  } finally {
    for (const server of servers.values()) await server.close();
  }
}
