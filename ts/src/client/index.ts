// The client layer: the Transport seam, the typed client and its method table, one turn followed.
export type { Transport } from './transport.js';
export { SpindleClient, RequestError, type ServerRequestHandler } from './client.js';
export type { ClientMethod, ClientResults, Notification, ParamsOf, ResultOf, ServerRequest } from './methods.js';
export {
  IncompleteTurnError,
  startTurn,
  toUserInputs,
  type StartTurnOptions,
  type TurnEvent,
  type TurnEventMethod,
  type TurnResult,
  type TurnStream,
} from './turn.js';
