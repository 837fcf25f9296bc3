/**
 * Answers for requests Node's HTTP parser refuses before Fastify sees them (a request line
 * and headers over the limit, bytes that are not HTTP, a client too slow), in the API's own
 * `{ code, message }` shape and naming the limit.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { HEADER_LIMIT_BYTES, describeBytes } from './body-limits.js';

export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', `the request line and headers are over the limit of ${describeBytes(HEADER_LIMIT_BYTES)}: shorten the URL (query string) or the headers`]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'the request did not arrive in time']
        : ['invalid_request', `the request is not valid HTTP (${err.code ?? 'parse error'})`];
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ code, message });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
