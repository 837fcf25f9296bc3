import { ApiError } from '../errors.js';

/**
 * The store is known to be unreachable (StoreHealth is down): refused at once, nothing was
 * done. An ApiError with code `not_ready`, so the API answers 503 and the client may retry.
 */
export class StoreUnavailableError extends ApiError {
  constructor() {
    super('not_ready', 'the store is unreachable for now; nothing was done, try again shortly');
  }
}

/**
 * Store errors that mean "the database is unreachable for now" rather than "this work is
 * bad": work that hits them is retried with backoff but never dead-lettered for it.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ER_GET_CONNECTION_TIMEOUT',
  'ER_CONNECTION_TIMEOUT',
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_ALREADY_CLOSED',
  'ER_CMD_CONNECTION_CLOSED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

export function isTransientStoreError(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  for (let e = err as { code?: string; cause?: unknown; message?: string } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code && TRANSIENT_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && /pool timeout|retrieve connection from pool timeout|socket has unexpectedly been closed|Connection closed|connect ECONNREFUSED/i.test(e.message)) return true;
  }
  return false;
}
