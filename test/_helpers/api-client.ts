/** Calls fnstack's REST API as a test client: a bearer key, JSON bodies (or FormData), the answer parsed when it is JSON. */
export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

export type ApiCall = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer>;

export function apiClient(url: string, apiKey: string): ApiCall {
  return async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${apiKey}`, ...headers } };
    if (body !== undefined) {
      if (body instanceof FormData) init.body = body;
      else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
    }
    const res = await fetch(url + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}
