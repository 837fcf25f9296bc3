/**
 * Request plumbing shared by the session's middleware: buffering a request so it can be
 * sent again (after a 401), rebuilding it for a real endpoint with a deadline, and turning
 * a fetch that got no answer into an OpenStackError with status 0.
 */
import type { Middleware } from 'openapi-fetch';
import { OpenStackError, type ServiceType } from './errors.js';

/** A request with its body read, so it can be rebuilt any number of times. */
export interface BufferedRequest {
  method: string;
  /** Path and query as openapi-fetch built them, relative to the client's base URL. */
  pathAndQuery: string;
  headers: Headers;
  body: ArrayBuffer | undefined;
  signal: AbortSignal;
}

export async function bufferRequest(request: Request): Promise<BufferedRequest> {
  const url = new URL(request.url);
  return {
    method: request.method,
    pathAndQuery: url.pathname + url.search,
    headers: new Headers(request.headers),
    body: request.body ? await request.arrayBuffer() : undefined,
    signal: request.signal,
  };
}

/** The buffered request sent to `base`, with extra headers and a deadline of `timeoutMs`. */
export function buildRequest(base: string, buffered: BufferedRequest, extraHeaders: Record<string, string>, timeoutMs: number): Request {
  const headers = new Headers(buffered.headers);
  for (const [k, v] of Object.entries(extraHeaders)) headers.set(k, v);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  return new Request(base + buffered.pathAndQuery, {
    method: buffered.method,
    headers,
    body: buffered.body ?? null,
    signal: deadline(buffered.signal, timeoutMs),
    redirect: 'follow',
  });
}

/**
 * A signal that aborts with the caller's signal or after `timeoutMs` (a TimeoutError).
 * Not AbortSignal.any + AbortSignal.timeout: on Node 20 the garbage collector may reclaim
 * that timeout signal before it fires, leaving the request without a deadline. Here the
 * (unref'd) timer holds the controller.
 */
function deadline(caller: AbortSignal, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  if (caller.aborted) {
    controller.abort(caller.reason);
    return controller.signal;
  }
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  timer.unref();
  caller.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      controller.abort(caller.reason);
    },
    { once: true },
  );
  return controller.signal;
}

export function noResponseError(service: ServiceType, request: Request, error: unknown): OpenStackError {
  if (error instanceof OpenStackError) return error;
  const reason =
    error instanceof Error && error.name === 'TimeoutError'
      ? 'timed out'
      : error instanceof Error
        ? (error.cause instanceof Error ? error.cause.message : error.message) || error.name
        : String(error);
  return new OpenStackError({ service, status: 0, message: reason, method: request.method, url: request.url, cause: error });
}

/** Deadline + error wrapping for a client that needs no token (Keystone's POST /v3/auth/tokens). */
export function plainMiddleware(service: ServiceType, base: string, timeoutMs: number): Middleware {
  return {
    async onRequest({ request }) {
      const buffered = await bufferRequest(request);
      return buildRequest(base, buffered, {}, timeoutMs);
    },
    onError({ request, error }) {
      return noResponseError(service, request, error);
    },
  };
}
