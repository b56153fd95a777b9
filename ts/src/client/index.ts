// The client layer: the Transport seam, the typed client and its method table.
export type { Transport } from './transport.js';
export { SpindleClient, RequestError, type ServerRequestHandler, type TurnResult } from './client.js';
export type { ClientMethod, ClientResults, Notification, ParamsOf, ResultOf, ServerRequest } from './methods.js';
