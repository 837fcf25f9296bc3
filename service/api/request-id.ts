/**
 * Request ids: the client's X-Request-Id when it is a plain token (so a trace crosses a load
 * balancer or a client's own logs), otherwise a fresh UUID; never a per-process counter, which
 * two API processes would repeat. Echoed on every response and kept in the audit trail.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { REQUEST_ID } from '../queue/queue.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** What a client may choose: short (the audit column holds 64) and without anything a log or header could misread. */

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
