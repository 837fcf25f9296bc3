/**
 * POSTs an outcome event to a tenant's URL in structured mode. The URL is hostile: before each
 * attempt its host is resolved and every address checked (urlPolicyOf: no loopback, link-local
 * — the metadata service —, private ranges, this host, unless the operator allow-lists the
 * address:port), and the request goes to the checked address (DNS cannot answer differently
 * in between). No redirects are followed; each attempt has a timeout; network errors, 5xx,
 * 408 and 429 are retried with backoff.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { BrokerRefused, type BrokerPolicy } from '../triggers/broker-policy.js';
import { backoffMs } from '../queue/queue.js';
import type { CloudEvent } from '../runner/protocol.js';

export interface UrlDeliveryOptions {
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Default 3. */
  attempts?: number;
  /** First retry delay (doubles, with jitter). Default 500 ms. */
  backoffBaseMs?: number;
}

/** Why a delivery did not happen, as the tenant reads it (no addresses the guard refused). */
export class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export async function postEvent(url: string, event: CloudEvent, policy: BrokerPolicy, options: UrlDeliveryOptions = {}): Promise<void> {
  const body = Buffer.from(JSON.stringify(event));
  await withRetries(() => postOnce(url, body, policy, options.timeoutMs ?? 10_000), options);
}

/** Runs `send` until it succeeds, fails for good (not retryable) or runs out of attempts; throws the last failure. */
export async function withRetries(send: () => Promise<void>, options: UrlDeliveryOptions = {}): Promise<void> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return;
    } catch (err) {
      const failure = err instanceof DeliveryFailed ? err : new DeliveryFailed(`cannot reach the URL: ${(err as Error).message}`, true);
      if (!failure.retryable || attempt >= attempts) throw new DeliveryFailed(attempt > 1 ? `${failure.message} (after ${attempt} attempts)` : failure.message, false);
      await new Promise((r) => setTimeout(r, backoffMs(attempt, options.backoffBaseMs ?? 500, 30_000)));
    }
  }
}

async function postOnce(url: string, body: Buffer, policy: BrokerPolicy, timeoutMs: number): Promise<void> {
  let address: string;
  try {
    address = new URL((await policy.target(url)).url).hostname.replace(/^\[|\]$/g, '');
  } catch (err) {
    if (err instanceof BrokerRefused) throw new DeliveryFailed('refused: the URL’s address is loopback, link-local, private, this service’s own or denied by the operator', false);
    throw new DeliveryFailed((err as Error).message, true);
  }
  const family = isIP(address);
  const pinned: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else cb(null, address, family);
  };
  const client = url.startsWith('https:') ? https : http;
  await new Promise<void>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', 'content-length': body.length, 'user-agent': 'fnstack-destinations' },
      },
      (res) => {
        res.resume(); // the answer's body is not read
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new DeliveryFailed(`the URL answered HTTP ${status}`, status >= 500 || status === 408 || status === 429));
      },
    );
    req.on('timeout', () => req.destroy(new DeliveryFailed(`no answer within ${timeoutMs} ms`, true)));
    req.on('error', reject);
    req.end(body);
  });
}
