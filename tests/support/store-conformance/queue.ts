// Conformance cases for the queue half of a store: the seed's queue rules (PROTOCOL.md §6.1), as the
// core's memory queue store's own tests state them (core/src/store/memory_queue.rs).
import type { QueuedTurnRow } from '../../../ts/src/generated/QueuedTurnRow.js';
import { equal, ok, rejects } from '../check.ts';
import { type ConformanceCase, failure, queuedId, type StoreOps, threadId, turnId, turnStartParams } from './ops.ts';

const THREAD = threadId(1);
const OTHER = threadId(2);
const [q1, q2, q3, q4, q5] = [1, 2, 3, 4, 5].map(queuedId);
const o1 = queuedId(21);

/** Pending rows q1..q3 on THREAD, added at 100, 101, 102. */
async function withThree(store: StoreOps): Promise<void> {
  for (const [index, id] of [q1, q2, q3].entries()) {
    await store.appendQueuedTurn(id, THREAD, turnStartParams(THREAD, id), 100 + index);
  }
}

const rowIds = (rows: QueuedTurnRow[]) => rows.map((row) => row.queuedTurnId);

export const queueCases: ConformanceCase[] = [
  {
    name: 'appendQueuedTurn creates a pending row with the params verbatim',
    async run(store) {
      const params = turnStartParams(THREAD, 'verbatim');
      const row = await store.appendQueuedTurn(q1, THREAD, params, 42);
      const expected: QueuedTurnRow = {
        queuedTurnId: q1,
        threadId: THREAD,
        turnStartParams: params,
        queueOrder: 1,
        state: 'pending',
        dispatchTurnId: null,
        failure: null,
        createdAtMs: 42,
        updatedAtMs: 42,
      };
      equal(row, expected, 'the appended row');
      equal(await store.listQueuedTurns(THREAD), { rows: [expected], more: false }, 'the listed row');
    },
  },
  {
    name: 'appendQueuedTurn numbers each thread after its highest slot',
    async run(store) {
      await withThree(store);
      equal(await store.deleteQueuedTurn(THREAD, q3), true, 'delete q3');
      // Slot 3 is free and above every remaining row, so it is used again; the gap below is not filled.
      equal(await store.deleteQueuedTurn(THREAD, q1), true, 'delete q1');
      equal((await store.appendQueuedTurn(q4, THREAD)).queueOrder, 3, 'order of q4');
      equal((await store.appendQueuedTurn(o1, OTHER)).queueOrder, 1, 'another thread counts from 1');
    },
  },
  {
    name: 'appendQueuedTurn counts a dispatching row that holds the highest slot',
    async run(store) {
      await store.appendQueuedTurn(q1, THREAD);
      await store.appendQueuedTurn(q2, THREAD);
      ok((await store.reorderQueuedTurns(THREAD, [q2, q1])) !== null, 'reorder accepted');
      equal(await store.deleteQueuedTurn(THREAD, q2), true, 'delete q2');
      equal(await store.claimedId(THREAD), q1, 'claim');
      equal((await store.appendQueuedTurn(q3, THREAD)).queueOrder, 3, 'order after the dispatching row');
    },
  },
  {
    name: 'appendQueuedTurn rejects an id already stored, in any thread',
    async run(store) {
      await withThree(store);
      await rejects(store.appendQueuedTurn(q2, OTHER), 'append of an existing id');
      equal(await store.visibleIds(OTHER), [], 'nothing was added');
      equal(await store.visibleIds(THREAD), [q1, q2, q3], 'the thread kept its rows');
    },
  },
  {
    name: 'listQueuedTurns pages the visible rows in queue order with offset, limit and more',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(q4, THREAD);
      await store.appendQueuedTurn(o1, OTHER);
      equal(await store.markQueuedTurnFailed(q2, failure('broken')), true, 'mark q2 failed');
      equal(await store.claimedId(THREAD), q1, 'claim');
      const first = await store.listQueuedTurns(THREAD, 0, 2);
      equal([rowIds(first.rows), first.more], [[q2, q3], true], 'first page');
      equal(first.rows[0].state, 'failed', 'a failed row is listed');
      const second = await store.listQueuedTurns(THREAD, 2, 2);
      equal([rowIds(second.rows), second.more], [[q4], false], 'second page');
      equal(await store.listQueuedTurns(THREAD, 5, 2), { rows: [], more: false }, 'past the end');
      const exact = await store.listQueuedTurns(THREAD, 0, 3);
      equal([rowIds(exact.rows), exact.more], [[q2, q3, q4], false], 'a page holding every row');
      const middle = await store.listQueuedTurns(THREAD, 1, 1);
      equal([rowIds(middle.rows), middle.more], [[q3], true], 'one row from the middle');
      equal(await store.listQueuedTurns(threadId(9)), { rows: [], more: false }, 'an unknown thread');
    },
  },
  {
    name: 'deleteQueuedTurn removes a pending or failed row of that thread only',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(o1, OTHER);
      equal(await store.markQueuedTurnFailed(q3, failure('broken')), true, 'mark q3 failed');
      equal(await store.deleteQueuedTurn(THREAD, q2), true, 'delete pending q2');
      equal(await store.deleteQueuedTurn(THREAD, q3), true, 'delete failed q3');
      equal(await store.visibleIds(THREAD), [q1], 'left');
      equal(await store.deleteQueuedTurn(THREAD, q2), false, 'a second delete');
      equal(await store.deleteQueuedTurn(THREAD, queuedId(99)), false, 'an unknown id');
      equal(await store.deleteQueuedTurn(THREAD, o1), false, 'another thread’s row');
      equal(await store.visibleIds(OTHER), [o1], 'the other thread kept its row');
    },
  },
  {
    name: 'a dispatching row cannot be deleted or reordered',
    async run(store) {
      await withThree(store);
      equal(await store.claimedId(THREAD), q1, 'claim');
      equal(await store.deleteQueuedTurn(THREAD, q1), false, 'delete the dispatching row');
      equal(await store.reorderQueuedTurns(THREAD, [q2, q3, q1]), null, 'reorder naming the dispatching row');
      equal(rowIds((await store.reorderQueuedTurns(THREAD, [q3, q2])) ?? []), [q3, q2], 'reorder of the visible rows');
      // Still there: it keeps the queue busy until its turn starts.
      equal(await store.claimQueueHead(THREAD), { type: 'busy' }, 'claim while dispatching');
      equal(await store.setDispatchTurnId(q1, turnId(1)), true, 'set the dispatch turn');
      equal(await store.removeDispatchedTurn(THREAD, turnId(1)), true, 'remove once started');
      equal(await store.claimedId(THREAD), q3, 'the next claim follows the new order');
    },
  },
  {
    name: 'reorderQueuedTurns reassigns the existing order slots and returns the new order',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(q4, THREAD);
      // q1 dispatching keeps slot 1; deleting q3 leaves q2 and q4 on slots 2 and 4.
      equal(await store.claimedId(THREAD), q1, 'claim');
      equal(await store.deleteQueuedTurn(THREAD, q3), true, 'delete q3');
      const rows = await store.reorderQueuedTurns(THREAD, [q4, q2], 500);
      const slots = (rows ?? []).map((row) => [row.queuedTurnId, row.queueOrder, row.updatedAtMs]);
      equal(slots, [[q4, 2, 500], [q2, 4, 500]], 'reordered rows');
      equal(await store.visibleIds(THREAD), [q4, q2], 'listed order');
      equal((await store.appendQueuedTurn(q5, THREAD)).queueOrder, 5, 'the next append still goes last');
    },
  },
  {
    name: 'reorderQueuedTurns refuses anything but the exact visible set and changes nothing',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(o1, OTHER);
      await store.appendQueuedTurn(q4, THREAD);
      equal(await store.claimedId(THREAD), q1, 'claim');
      const before = await store.listQueuedTurns(THREAD);
      const refused: Array<[string, string[]]> = [
        ['missing q2', [q4, q3]],
        ['a duplicate', [q4, q3, q2, q2]],
        ['a duplicate hiding a missing id', [q4, q3, q3]],
        ['an unknown id', [q4, q3, q2, queuedId(99)]],
        ['the dispatching row', [q4, q3, q2, q1]],
        ['another thread’s row', [q4, q3, o1]],
        ['nothing', []],
      ];
      for (const [what, attempt] of refused) {
        equal(await store.reorderQueuedTurns(THREAD, attempt, 99), null, `reorder with ${what}`);
      }
      equal(await store.listQueuedTurns(THREAD), before, 'the queue after refused reorders');
    },
  },
  {
    name: 'reorderQueuedTurns of an empty queue accepts only an empty list',
    async run(store) {
      equal(await store.reorderQueuedTurns(THREAD, []), [], 'empty list');
      equal(await store.reorderQueuedTurns(THREAD, [q1]), null, 'an unknown id');
    },
  },
  {
    name: 'updateQueuedTurn replaces the params in place',
    async run(store) {
      await withThree(store);
      const edited = turnStartParams(THREAD, 'edited');
      const row = await store.updateQueuedTurn(THREAD, q2, edited, 500);
      equal(
        row && [row.turnStartParams, row.queueOrder, row.state, row.createdAtMs, row.updatedAtMs],
        [edited, 2, 'pending', 101, 500],
        'the updated row',
      );
      equal(await store.visibleIds(THREAD), [q1, q2, q3], 'the order stays');
      equal((await store.listQueuedTurns(THREAD, 1, 1)).rows, [row], 'the listed row');
    },
  },
  {
    name: 'updateQueuedTurn makes a failed row pending again and unblocks the queue',
    async run(store) {
      await withThree(store);
      equal(await store.markQueuedTurnFailed(q1, failure('broken')), true, 'mark q1 failed');
      equal(await store.claimQueueHead(THREAD), { type: 'blocked' }, 'claim behind the failed head');
      const row = await store.updateQueuedTurn(THREAD, q1, turnStartParams(THREAD, 'fixed'), 3);
      equal(row && [row.state, row.failure], ['pending', null], 'the fixed row');
      equal(await store.claimedId(THREAD), q1, 'the fixed head is claimed');
    },
  },
  {
    name: 'updateQueuedTurn refuses unknown, dispatching and foreign rows and changes nothing',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(o1, OTHER);
      equal(await store.claimedId(THREAD), q1, 'claim');
      const before = await store.listQueuedTurns(THREAD);
      const params = turnStartParams(THREAD, 'x');
      equal(await store.updateQueuedTurn(THREAD, q1, params), null, 'the dispatching row');
      equal(await store.updateQueuedTurn(THREAD, queuedId(99), params), null, 'an unknown id');
      equal(await store.updateQueuedTurn(THREAD, o1, params), null, 'another thread’s row');
      equal(await store.updateQueuedTurn(threadId(3), q2, params), null, 'a row named under another thread');
      equal(await store.listQueuedTurns(THREAD), before, 'the queue after refused updates');
      equal(await store.setDispatchTurnId(q1, turnId(1)), true, 'the dispatching row still starts');
      equal(await store.removeDispatchedTurn(THREAD, turnId(1)), true, 'and is removed once started');
    },
  },
  {
    name: 'claimQueueHead flips the head to dispatching and hides it',
    async run(store) {
      await withThree(store);
      const outcome = await store.claimQueueHead(THREAD, 777);
      const expected: QueuedTurnRow = {
        queuedTurnId: q1,
        threadId: THREAD,
        turnStartParams: turnStartParams(THREAD, q1),
        queueOrder: 1,
        state: 'dispatching',
        dispatchTurnId: null,
        failure: null,
        createdAtMs: 100,
        updatedAtMs: 777,
      };
      equal(outcome, { type: 'claimed', row: expected }, 'claim');
      equal(await store.visibleIds(THREAD), [q2, q3], 'visible after the claim');
    },
  },
  {
    name: 'claimQueueHead is busy while a row of the thread is dispatching, even before a failed head',
    async run(store) {
      await withThree(store);
      equal(await store.claimedId(THREAD), q1, 'claim');
      equal(await store.claimQueueHead(THREAD), { type: 'busy' }, 'second claim');
      equal(await store.markQueuedTurnFailed(q2, failure('broken')), true, 'mark q2 failed');
      equal(await store.claimQueueHead(THREAD), { type: 'busy' }, 'claim with a failed head behind the dispatch');
    },
  },
  {
    name: 'claimQueueHead of a thread without visible rows is empty',
    async run(store) {
      equal(await store.claimQueueHead(THREAD), { type: 'empty' }, 'claim on nothing');
      await store.appendQueuedTurn(o1, OTHER);
      equal(await store.claimQueueHead(THREAD), { type: 'empty' }, 'claim while another thread has rows');
    },
  },
  {
    name: 'a failed head blocks later rows until it is deleted',
    async run(store) {
      await withThree(store);
      equal(await store.markQueuedTurnFailed(q1, failure('broken')), true, 'mark q1 failed');
      equal(await store.claimQueueHead(THREAD), { type: 'blocked' }, 'claim behind a failed head');
      equal(await store.visibleIds(THREAD), [q1, q2, q3], 'nothing moved');
      equal(await store.deleteQueuedTurn(THREAD, q1), true, 'delete the failed head');
      equal(await store.claimedId(THREAD), q2, 'claim after the delete');
    },
  },
  {
    name: 'a failed head blocks later rows until it is reordered away',
    async run(store) {
      await withThree(store);
      equal(await store.markQueuedTurnFailed(q1, failure('broken')), true, 'mark q1 failed');
      equal(await store.claimQueueHead(THREAD), { type: 'blocked' }, 'claim behind a failed head');
      ok((await store.reorderQueuedTurns(THREAD, [q2, q3, q1])) !== null, 'reorder accepted');
      equal(await store.claimedId(THREAD), q2, 'claim after the reorder');
    },
  },
  {
    name: 'exactly one of many concurrent claims wins',
    async run(store) {
      for (let round = 0; round < 5; round++) {
        const thread = threadId(100 + round);
        await store.appendQueuedTurn(queuedId(100 + 2 * round), thread);
        await store.appendQueuedTurn(queuedId(101 + 2 * round), thread);
        const outcomes = await Promise.all(Array.from({ length: 16 }, () => store.claimQueueHead(thread)));
        const types = outcomes.map((outcome) => outcome.type).sort();
        equal(types, [...Array<string>(15).fill('busy'), 'claimed'], `round ${round}`);
        equal(await store.visibleIds(thread), [queuedId(101 + 2 * round)], `round ${round}: the second row waits`);
      }
    },
  },
  {
    name: 'a row added during a dispatch waits for it',
    async run(store) {
      await store.appendQueuedTurn(q1, THREAD);
      equal(await store.claimedId(THREAD), q1, 'claim');
      const added = await store.appendQueuedTurn(q2, THREAD);
      equal([added.state, added.queueOrder], ['pending', 2], 'the added row');
      equal(await store.claimQueueHead(THREAD), { type: 'busy' }, 'claim during the dispatch');
      equal(await store.visibleIds(THREAD), [q2], 'it is listed meanwhile');
      equal(await store.setDispatchTurnId(q1, turnId(1)), true, 'set the dispatch turn');
      equal(await store.removeDispatchedTurn(THREAD, turnId(1)), true, 'the turn started');
      equal(await store.claimedId(THREAD), q2, 'then it is claimed');
    },
  },
  {
    name: 'the dispatch claim clears only for its own turn',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(o1, OTHER);
      equal(await store.claimedId(THREAD), q1, 'claim on the thread');
      equal(await store.claimedId(OTHER), o1, 'claim on the other thread');
      equal(await store.setDispatchTurnId(q1, turnId(1)), true, 'set the thread’s turn');
      equal(await store.setDispatchTurnId(o1, turnId(2)), true, 'set the other thread’s turn');
      equal(await store.removeDispatchedTurn(THREAD, turnId(2)), false, 'the other thread’s turn');
      equal(await store.removeDispatchedTurn(THREAD, turnId(3)), false, 'an unknown turn');
      equal(await store.claimQueueHead(THREAD), { type: 'busy' }, 'still dispatching');
      equal(await store.removeDispatchedTurn(THREAD, turnId(1)), true, 'its own turn');
      equal(await store.removeDispatchedTurn(THREAD, turnId(1)), false, 'a second removal');
      equal(await store.visibleIds(THREAD), [q2, q3], 'left');
      equal(await store.claimedId(THREAD), q2, 'the next claim');
      equal(await store.claimQueueHead(OTHER), { type: 'busy' }, 'the other thread is still dispatching');
    },
  },
  {
    name: 'setDispatchTurnId only touches a dispatching row',
    async run(store) {
      await withThree(store);
      equal(await store.setDispatchTurnId(q2, turnId(9)), false, 'a pending row');
      equal(await store.setDispatchTurnId(queuedId(99), turnId(9)), false, 'an unknown row');
      equal(await store.claimedId(THREAD), q1, 'claim');
      equal(await store.setDispatchTurnId(q1, turnId(1), 3), true, 'the dispatching row');
      const { rows } = await store.listQueuedTurns(THREAD);
      ok(rows.every((row) => row.dispatchTurnId === null), 'pending rows have no dispatch turn');
      equal(await store.removeDispatchedTurn(THREAD, turnId(9)), false, 'the refused turn id');
      equal(await store.removeDispatchedTurn(THREAD, turnId(1)), true, 'the recorded turn id');
    },
  },
  {
    name: 'removeDispatchedTurn ignores a failed row that once had that turn',
    async run(store) {
      await withThree(store);
      equal(await store.claimedId(THREAD), q1, 'claim');
      equal(await store.setDispatchTurnId(q1, turnId(1)), true, 'set the dispatch turn');
      equal(await store.markQueuedTurnFailed(q1, failure('could not start')), true, 'mark failed');
      equal(await store.removeDispatchedTurn(THREAD, turnId(1)), false, 'remove by the old turn');
      equal(await store.visibleIds(THREAD), [q1, q2, q3], 'nothing was removed');
    },
  },
  {
    name: 'markQueuedTurnFailed records the failure and clears the dispatch turn',
    async run(store) {
      await withThree(store);
      equal(await store.claimedId(THREAD, 1), q1, 'claim');
      equal(await store.setDispatchTurnId(q1, turnId(1), 2), true, 'set the dispatch turn');
      const why = failure('queued turn could not start: x');
      equal(await store.markQueuedTurnFailed(q1, why, 9), true, 'mark failed');
      const head = (await store.listQueuedTurns(THREAD, 0, 1)).rows[0];
      equal(
        [head.queuedTurnId, head.state, head.failure, head.dispatchTurnId, head.updatedAtMs],
        [q1, 'failed', why, null, 9],
        'the failed head',
      );
      equal(await store.markQueuedTurnFailed(queuedId(99), why, 10), false, 'an unknown row');
    },
  },
  {
    name: 'an abandoned dispatch recovers as failed and blocks FIFO',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(o1, OTHER);
      equal(await store.claimedId(THREAD), q1, 'claim on the thread');
      equal(await store.claimedId(OTHER), o1, 'claim on the other thread');
      equal(await store.setDispatchTurnId(q1, turnId(1)), true, 'set the dispatch turn');
      const restarted = failure('queued turn dispatch was interrupted while app-server restarted');
      equal(await store.recoverDispatchingTurns(THREAD, restarted, 50), 1, 'recovered');
      const { rows } = await store.listQueuedTurns(THREAD);
      equal(
        [rows[0].queuedTurnId, rows[0].state, rows[0].failure, rows[0].dispatchTurnId, rows[0].updatedAtMs],
        [q1, 'failed', restarted, null, 50],
        'the recovered row',
      );
      equal(rows[1].state, 'pending', 'the row behind it');
      equal(await store.claimQueueHead(THREAD), { type: 'blocked' }, 'claim behind the recovered row');
      equal(await store.claimQueueHead(OTHER), { type: 'busy' }, 'the other thread’s dispatch is untouched');
      equal(await store.recoverDispatchingTurns(THREAD, restarted, 52), 0, 'a second pass');
    },
  },
  {
    name: 'deleteThreadQueue removes every row of the thread only',
    async run(store) {
      await withThree(store);
      await store.appendQueuedTurn(o1, OTHER);
      equal(await store.claimedId(THREAD), q1, 'claim');
      equal(await store.markQueuedTurnFailed(q2, failure('broken')), true, 'mark q2 failed');
      equal(await store.deleteThreadQueue(THREAD), null, 'deleteThreadQueue answers nothing');
      equal(await store.visibleIds(THREAD), [], 'visible rows');
      equal(await store.claimQueueHead(THREAD), { type: 'empty' }, 'claim');
      equal(await store.markQueuedTurnFailed(q1, failure('x')), false, 'the dispatching row went too');
      equal((await store.appendQueuedTurn(queuedId(9), THREAD)).queueOrder, 1, 'the thread counts from 1 again');
      equal(await store.visibleIds(OTHER), [o1], 'the other thread');
    },
  },
];
