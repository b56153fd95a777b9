// Type-level method table: the params and result type of each client request, from generated types.

import type { ClientRequest } from '../generated/ClientRequest.js';
import type { EmptyResponse } from '../generated/EmptyResponse.js';
import type { InitializeResponse } from '../generated/InitializeResponse.js';
import type { ModelListResponse } from '../generated/ModelListResponse.js';
import type { RequestId } from '../generated/RequestId.js';
import type { ServerNotification } from '../generated/ServerNotification.js';
import type { ThreadForkResponse } from '../generated/ThreadForkResponse.js';
import type { ThreadListResponse } from '../generated/ThreadListResponse.js';
import type { ThreadLoadedListResponse } from '../generated/ThreadLoadedListResponse.js';
import type { ThreadNameSetResponse } from '../generated/ThreadNameSetResponse.js';
import type { ThreadQueueAddResponse } from '../generated/ThreadQueueAddResponse.js';
import type { ThreadQueueDeleteResponse } from '../generated/ThreadQueueDeleteResponse.js';
import type { ThreadQueueListResponse } from '../generated/ThreadQueueListResponse.js';
import type { ThreadQueueReorderResponse } from '../generated/ThreadQueueReorderResponse.js';
import type { ThreadQueueStartResponse } from '../generated/ThreadQueueStartResponse.js';
import type { ThreadQueueUpdateResponse } from '../generated/ThreadQueueUpdateResponse.js';
import type { ThreadReadResponse } from '../generated/ThreadReadResponse.js';
import type { ThreadResumeResponse } from '../generated/ThreadResumeResponse.js';
import type { ThreadStartResponse } from '../generated/ThreadStartResponse.js';
import type { ThreadTurnsListResponse } from '../generated/ThreadTurnsListResponse.js';
import type { ThreadUnarchiveResponse } from '../generated/ThreadUnarchiveResponse.js';
import type { ThreadUnsubscribeResponse } from '../generated/ThreadUnsubscribeResponse.js';
import type { TurnInterruptResponse } from '../generated/TurnInterruptResponse.js';
import type { TurnStartResponse } from '../generated/TurnStartResponse.js';
import type { TurnSteerResponse } from '../generated/TurnSteerResponse.js';

/** Every client request method the generated `ClientRequest` knows. */
export type ClientMethod = ClientRequest['method'];

/** The params of client request `M`. */
export type ParamsOf<M extends ClientMethod> = Extract<ClientRequest, { method: M }>['params'];

/** Result types by method; a method missing here resolves to `unknown` until its type is added. */
export interface ClientResults {
  initialize: InitializeResponse;
  'thread/start': ThreadStartResponse;
  'thread/resume': ThreadResumeResponse;
  'thread/fork': ThreadForkResponse;
  'thread/read': ThreadReadResponse;
  'thread/list': ThreadListResponse;
  'thread/loaded/list': ThreadLoadedListResponse;
  'thread/unsubscribe': ThreadUnsubscribeResponse;
  'thread/name/set': ThreadNameSetResponse;
  'thread/archive': EmptyResponse;
  'thread/unarchive': ThreadUnarchiveResponse;
  'thread/delete': EmptyResponse;
  'thread/compact/start': EmptyResponse;
  'thread/turns/list': ThreadTurnsListResponse;
  'thread/queue/add': ThreadQueueAddResponse;
  'thread/queue/list': ThreadQueueListResponse;
  'thread/queue/delete': ThreadQueueDeleteResponse;
  'thread/queue/reorder': ThreadQueueReorderResponse;
  /** Spindle extension: edit a queued turn in place. */
  'thread/queue/update': ThreadQueueUpdateResponse;
  /** Spindle extension: start a queued turn now. */
  'thread/queue/start': ThreadQueueStartResponse;
  'turn/start': TurnStartResponse;
  'turn/steer': TurnSteerResponse;
  'turn/interrupt': TurnInterruptResponse;
  'model/list': ModelListResponse;
}

/** The result of client request `M`. */
export type ResultOf<M extends string> = M extends keyof ClientResults ? ClientResults[M] : unknown;

/** A server notification as it arrives; the server stamps `emittedAtMs`, clients must not need it. */
export type Notification = ServerNotification & { emittedAtMs?: number };

/** A request the server sends to the client, such as `item/tool/call`. */
export interface ServerRequest {
  /** The id the answer must echo. */
  id: RequestId;
  /** E.g. `item/tool/call`. */
  method: string;
  /** The request's params, as sent. */
  params: unknown;
}
