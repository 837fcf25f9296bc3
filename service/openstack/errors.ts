/**
 * Typed failures of the OpenStack clients. Every non-2xx answer the clients do not handle
 * themselves (a 404 on get/delete is handled) becomes an OpenStackError; a request that got
 * no answer at all is an OpenStackError with status 0.
 */

export type ServiceType = 'identity' | 'compute' | 'image';

export interface OpenStackErrorInit {
  service: ServiceType;
  /** HTTP status; 0 when no response arrived (connection refused, DNS, timeout). */
  status: number;
  message: string;
  /** `x-openstack-request-id` (or `x-compute-request-id`) of the failed call. */
  requestId?: string | undefined;
  /** The fault's name: Nova's body key (`itemNotFound`, `badRequest`, …) or Keystone's title. */
  fault?: string | undefined;
  method?: string | undefined;
  url?: string | undefined;
  cause?: unknown;
}

export class OpenStackError extends Error {
  override readonly name = 'OpenStackError';
  readonly service: ServiceType;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly fault: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;

  constructor(init: OpenStackErrorInit) {
    super(`${init.service}: ${init.status === 0 ? 'no response' : `HTTP ${init.status}`}: ${init.message}`, { cause: init.cause });
    this.service = init.service;
    this.status = init.status;
    this.requestId = init.requestId;
    this.fault = init.fault;
    this.method = init.method;
    this.url = init.url;
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  /** Worth retrying later: no response, rate limited, or a server-side hiccup. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || (this.status >= 500 && this.status !== 501);
  }
}

/** The token's catalog has no endpoint for this service type, interface and region. */
export class EndpointNotFoundError extends Error {
  override readonly name = 'EndpointNotFoundError';
  constructor(
    readonly service: ServiceType,
    readonly endpointInterface: string,
    readonly region: string | undefined,
  ) {
    super(`no ${endpointInterface} endpoint for service type '${service}'${region ? ` in region '${region}'` : ''} in the token's catalog`);
  }
}

/** Base64 user data over Nova's limit (65535 characters); refused before calling Nova. */
export class UserDataTooLargeError extends Error {
  override readonly name = 'UserDataTooLargeError';
  constructor(
    readonly encodedLength: number,
    readonly limit: number,
  ) {
    super(`user_data is ${encodedLength} characters once base64-encoded; Nova accepts at most ${limit}`);
  }
}

export function requestIdOf(response: Response): string | undefined {
  return response.headers.get('x-openstack-request-id') ?? response.headers.get('x-compute-request-id') ?? undefined;
}

/**
 * The message and fault name from an error body, whatever the service's shape:
 *   Nova      `{"itemNotFound": {"code": 404, "message": "…"}}`
 *   Keystone  `{"error": {"code": 404, "message": "…", "title": "Not Found"}}`
 *   Glance    `{"message": "No image found with ID …<br /><br />", "code": "404 Not Found", "title": "Not Found"}`,
 *             or an HTML page when the request did not accept JSON
 */
export function describeErrorBody(body: unknown): { message: string | undefined; fault: string | undefined } {
  if (typeof body === 'string') return { message: textOf(body), fault: undefined };
  if (!body || typeof body !== 'object') return { message: undefined, fault: undefined };
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, inner] = entries[0]!;
    if (inner && typeof inner === 'object') {
      const { message, title } = inner as { message?: unknown; title?: unknown };
      return {
        message: typeof message === 'string' ? textOf(message) : undefined,
        fault: key === 'error' && typeof title === 'string' ? title : key,
      };
    }
  }
  const { message, title } = body as { message?: unknown; title?: unknown };
  return { message: typeof message === 'string' ? textOf(message) : undefined, fault: typeof title === 'string' ? title : undefined };
}

/** An OpenStackError from a response openapi-fetch has already read (`error` is its parsed body). */
export function errorFromResponse(service: ServiceType, response: Response, body: unknown, method?: string): OpenStackError {
  const { message, fault } = describeErrorBody(body);
  return new OpenStackError({
    service,
    status: response.status,
    message: message || response.statusText || 'request failed',
    requestId: requestIdOf(response),
    fault,
    method,
    url: response.url || undefined,
  });
}

function textOf(page: string): string | undefined {
  const text = page
    .replace(/<title>[\s\S]*?<\/title>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text || undefined;
}
