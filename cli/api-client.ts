/**
 * The one module that talks HTTP to the service (docs/api.md). Every failure leaves here as
 * a typed error: ApiRequestError for an error answer, UnreachableError when no answer came.
 */
import type {
  Destination,
  DestinationsInfo,
  AsyncInvokeAccepted,
  ExecutionInfo,
  ExecutionLogs,
  ExecutionSummaryInfo,
  FunctionInfo,
  FunctionMetadata,
  FunctionVersionInfo,
  Page,
  Runtime,
} from './api-types.js';
import type { CodePackage } from './code-package.js';
import { ApiRequestError, CliError, TransportError, UnreachableError } from './errors.js';
import { buildMultipart, type Part, type ProgressListener } from './multipart.js';

export interface ApiClientOptions {
  endpoint: string;
  apiKey: string | null;
  /** Where the key came from, named in the hint when the service refuses it. */
  apiKeySource?: string | null;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** A raw body (then `headers` must carry its content-type). */
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Causes that mean nothing is listening there (as opposed to an answer we could not read). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class ApiClient {
  readonly endpoint: string;
  private readonly apiKey: string | null;
  private readonly apiKeySource: string | null;

  constructor(options: ApiClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.apiKeySource = options.apiKeySource ?? null;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { response, url } = await this.send(method, path, options);
    const text = await response.text().catch((err: unknown) => {
      throw this.transportError(err);
    });
    if (response.status === 204 || text === '') return undefined as T;
    const parsed = parseJson(text);
    if (!parsed.ok) throw new CliError(`unexpected answer from ${url}: HTTP ${response.status} but not JSON`);
    return parsed.value as T;
  }

  /** A successful answer, body unread; an error answer is thrown as ApiRequestError. */
  private async send(method: string, path: string, options: RequestOptions = {}): Promise<{ response: Response; url: string }> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.apiKey === null) {
      throw new CliError(
        `no API key for ${this.endpoint}: run \`fnstack login\`, pass --api-key, set FNSTACK_API_KEY or pick a profile (--profile NAME) ` +
          '(a server started in this directory writes ./.fnstack/credentials.json)',
      );
    }
    headers.authorization = `Bearer ${this.apiKey}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body: body ?? null, signal: options.signal ?? null };
    if (body instanceof ReadableStream) init.duplex = 'half';

    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (err) {
      throw this.transportError(err);
    }
    if (!response.ok) {
      const parsed = parseJson(await response.text().catch(() => ''));
      throw this.withHint(ApiRequestError.fromBody(response.status, parsed.ok ? parsed.value : undefined, response.statusText));
    }
    return { response, url };
  }

  url(path: string, query?: Record<string, string | number | undefined>): string {
    const url = new URL(this.endpoint + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.href;
  }

  /** All items of a paged list, following next_cursor until `max` items or the end. */
  async listAll<T>(path: string, query: Record<string, string | number | undefined> = {}, max = Infinity): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const limit = Math.min(50, max - items.length);
      const page = await this.request<Page<T>>('GET', path, { query: { ...query, limit, cursor } });
      items.push(...page.items.slice(0, max - items.length));
      cursor = page.next_cursor ?? undefined;
    } while (cursor && items.length < max);
    return items;
  }

  listRuntimes(): Promise<Page<Runtime>> {
    return this.request('GET', '/v1/runtimes');
  }

  listFunctions(): Promise<FunctionInfo[]> {
    return this.listAll('/v1/functions');
  }

  getFunction(name: string): Promise<FunctionInfo> {
    return this.request('GET', `/v1/functions/${enc(name)}`);
  }

  listVersions(name: string): Promise<Page<FunctionVersionInfo>> {
    return this.request('GET', `/v1/functions/${enc(name)}/versions`);
  }

  async deleteFunction(name: string): Promise<void> {
    await this.request('DELETE', `/v1/functions/${enc(name)}`);
  }

  createFunction(metadata: FunctionMetadata, code: CodePackage, onProgress?: ProgressListener): Promise<FunctionInfo> {
    return this.sendMultipart('POST', '/v1/functions', [metadataPart(metadata), { name: 'code', ...code }], onProgress);
  }

  /** JSON when only metadata changes; multipart when new code comes along. */
  updateFunction(name: string, metadata: FunctionMetadata, code?: CodePackage, onProgress?: ProgressListener): Promise<FunctionInfo> {
    const path = `/v1/functions/${enc(name)}`;
    if (!code) return this.request('PATCH', path, { json: metadata });
    const parts: Part[] = Object.keys(metadata).length > 0 ? [metadataPart(metadata)] : [];
    parts.push({ name: 'code', ...code });
    return this.sendMultipart('PATCH', path, parts, onProgress);
  }

  getDestinations(name: string): Promise<DestinationsInfo> {
    return this.request('GET', `/v1/functions/${enc(name)}/destinations`);
  }

  /** Replaces both destinations (an absent one is none). */
  putDestinations(name: string, destinations: { on_success?: Destination; on_failure?: Destination }): Promise<DestinationsInfo> {
    return this.request('PUT', `/v1/functions/${enc(name)}/destinations`, { json: destinations });
  }

  /** sync: the final execution, or — when the service stops waiting first — a 202 acceptance like async. */
  invoke(name: string, data: unknown, mode: 'sync', headers?: Record<string, string>, signal?: AbortSignal): Promise<ExecutionInfo | AsyncInvokeAccepted>;
  invoke(name: string, data: unknown, mode: 'async', headers?: Record<string, string>, signal?: AbortSignal): Promise<AsyncInvokeAccepted>;
  invoke(name: string, data: unknown, mode: 'sync' | 'async', headers: Record<string, string> = {}, signal?: AbortSignal): Promise<unknown> {
    return this.request('POST', `/v1/functions/${enc(name)}/invoke`, { query: { mode }, json: data ?? {}, headers, ...(signal ? { signal } : {}) });
  }

  listExecutions(filter: { function?: string; status?: string; limit: number }): Promise<ExecutionSummaryInfo[]> {
    return this.listAll('/v1/executions', { function: filter.function, status: filter.status }, filter.limit);
  }

  /** The execution with its whole result, fetched from result_url when too large to come inline. */
  async withWholeResult(execution: ExecutionInfo): Promise<ExecutionInfo> {
    if (!execution.result_truncated || !execution.result_url) return execution;
    const result = await this.request<unknown>('GET', execution.result_url);
    return { ...execution, result, result_truncated: false };
  }

  /** The result's JSON text as the service streams it (bytes, unparsed). */
  async resultStream(id: string): Promise<ReadableStream<Uint8Array>> {
    const { response } = await this.send('GET', `/v1/executions/${enc(id)}/result`);
    if (!response.body) throw new CliError(`the service sent no result for execution ${id}`);
    return response.body;
  }

  getExecution(id: string): Promise<ExecutionInfo> {
    return this.request('GET', `/v1/executions/${enc(id)}`);
  }

  /** The logs after `after` (a cursor from an earlier answer), or all of them. */
  getLogs(id: string, after?: string): Promise<ExecutionLogs> {
    return this.request('GET', `/v1/executions/${enc(id)}/logs`, after === undefined ? {} : { query: { after } });
  }

  private sendMultipart<T>(method: string, path: string, parts: Part[], onProgress?: ProgressListener): Promise<T> {
    const multipart = buildMultipart(parts, onProgress);
    return this.request<T>(method, path, {
      body: multipart.body,
      headers: { 'content-type': multipart.contentType, 'content-length': String(multipart.length) },
    });
  }

  private transportError(err: unknown): Error {
    if (err instanceof CliError) return err;
    if (err instanceof Error && err.name === 'AbortError') return err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    // A failure inside our own upload stream (file changed while reading) is not a network problem.
    if (cause instanceof Error && !('code' in cause)) return new CliError(cause.message);
    const code = cause?.code ?? (err as NodeJS.ErrnoException).code;
    if (code && UNREACHABLE.has(code)) return new UnreachableError(this.endpoint, code);
    return new TransportError(this.endpoint, code ?? cause?.message ?? (err as Error).message);
  }

  private withHint(error: ApiRequestError): ApiRequestError {
    if (error.status !== 401) return error;
    const from = this.apiKeySource ? ` from ${this.apiKeySource}` : '';
    return new ApiRequestError(error.status, error.code, `${error.apiMessage} (the API key${from} was refused; run \`fnstack login\`)`, error.field);
  }
}

/**
 * Sent as a plain text field, as `curl -F metadata=…` would: a part typed application/json
 * is pre-parsed by some multipart parsers, and the contract says the field holds JSON text.
 */
function metadataPart(metadata: FunctionMetadata): Part {
  return { name: 'metadata', value: JSON.stringify(metadata) };
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
