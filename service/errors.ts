/**
 * The one error catalog. Every error that reaches an API client is an ApiError with a
 * stable code from this table; its body is `{ code, message, field? }`.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  invalid_code_package: 422,
  unprocessable: 422,
  quota_exceeded: 429,
  internal: 500,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * Seconds a client should wait before it tries again (the Retry-After header), for the
 * codes that mean "not now" rather than "not this". `not_ready`: the store or the queue is
 * unreachable for now; nothing was accepted, and the same request may simply be sent again.
 */
export const RETRY_AFTER_S: Partial<Record<ErrorCode, number>> = { not_ready: 2 };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  toBody(): { code: ErrorCode; message: string; field?: string } {
    return this.field ? { code: this.code, message: this.message, field: this.field } : { code: this.code, message: this.message };
  }
}

export const invalid = (field: string, message: string) => new ApiError('invalid_request', message, field);
export const notFound = (what: string, id: string) => new ApiError('not_found', `${what} '${id}' not found`);
/** Transient trouble with the store or the queue: nothing was done; the client may send the same request again. */
export const notReady = (message: string) => new ApiError('not_ready', message);

/** A configuration key that is missing or malformed; fails the start and names the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`configuration ${key}: ${message}`);
  }
}
