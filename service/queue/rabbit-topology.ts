/**
 * The RabbitMQ topology of the work queue: names, declarations and headers, in one place
 * so that the queue, its tests and the README agree. Every name carries the configured
 * prefix (tests isolate with it; operators may too). See README.md in this folder.
 *
 *   <p>fnstack.events            topic exchange, durable; the listener binds ingress to it later
 *   <p><queue>                   the work queue (default fnstack.work), durable, classic
 *   <p><queue>.delay.<N>ms       one delay queue per backoff bucket (N a power of two): messages
 *                                wait there with a per-message TTL, then dead-letter back into
 *                                <p><queue> through the default exchange
 *   <p>fnstack.dead              durable dead-letter queue, reason in the headers
 *
 * Declarations must never change arguments for an existing name: RabbitMQ answers an
 * inequivalent redeclaration with 406 and closes the channel.
 */
import type { Channel } from 'amqplib';

/** The topic exchange events are published to (before the prefix). */
export const EVENTS_EXCHANGE = 'fnstack.events';
/** Default name of the work queue (before the prefix). */
export const WORK_QUEUE = 'fnstack.work';
/** The dead-letter queue (before the prefix). */
export const DEAD_QUEUE = 'fnstack.dead';

/** Header: the attempt number of the next delivery of this message (1 when absent). */
export const ATTEMPT_HEADER = 'x-fnstack-attempt';
/** Header on dead letters: why the message was given up on. */
export const REASON_HEADER = 'x-fnstack-reason';
/** Header on dead letters: the work queue the message came from. */
export const ORIGIN_HEADER = 'x-fnstack-queue';
/** Header on dead letters: the project the message belongs to. */
export const PROJECT_HEADER = 'x-fnstack-project';

/** Smallest and largest delay bucket, as powers of two in ms (128 ms … ~24.8 days). */
export const MIN_BUCKET_EXP = 7;
export const MAX_BUCKET_EXP = 31;

export interface TopologyNames {
  events: string;
  work: string;
  dead: string;
  /** Name of the delay queue whose bucket holds delays up to `bucketMs`. */
  delay(bucketMs: number): string;
}

export function topologyNames(prefix: string, queue: string = WORK_QUEUE): TopologyNames {
  const work = `${prefix}${queue}`;
  return {
    events: `${prefix}${EVENTS_EXCHANGE}`,
    work,
    dead: `${prefix}${DEAD_QUEUE}`,
    delay: (bucketMs) => `${work}.delay.${bucketMs}ms`,
  };
}

/**
 * The bucket a delay goes to: the smallest power of two ≥ delayMs (clamped to the bucket
 * range). Within a bucket each message carries its exact TTL; as TTLs only expire at the
 * head of a queue, a message can wait behind a longer one of the same bucket, so the real
 * delay lies in [delayMs, 2·delayMs) — never shorter than asked. Pure.
 */
export function delayBucket(delayMs: number): number {
  const d = Math.max(1, Math.ceil(delayMs));
  const exp = Math.min(MAX_BUCKET_EXP, Math.max(MIN_BUCKET_EXP, Math.ceil(Math.log2(d))));
  return 2 ** exp;
}

/** The exchange, the work queue and the dead-letter queue. Idempotent; run on every (re)connect. */
export async function declareTopology(ch: Channel, names: TopologyNames): Promise<void> {
  await ch.assertExchange(names.events, 'topic', { durable: true });
  await declareWorkQueue(ch, names);
  await ch.assertQueue(names.dead, { durable: true });
}

export async function declareWorkQueue(ch: Channel, names: TopologyNames): Promise<void> {
  await ch.assertQueue(names.work, { durable: true });
}

/** A delay bucket's queue: expired messages go back to the work queue via the default exchange. */
export async function declareDelayQueue(ch: Channel, names: TopologyNames, bucketMs: number): Promise<void> {
  await ch.assertQueue(names.delay(bucketMs), {
    durable: true,
    deadLetterExchange: '',
    deadLetterRoutingKey: names.work,
  });
}

/** The attempt number a message's headers carry (1 when missing or malformed). */
export function attemptOf(headers: Record<string, unknown> | undefined): number {
  const raw = headers?.[ATTEMPT_HEADER];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Headers for a republished copy: ours updated, the broker's dead-lettering bookkeeping dropped. */
export function republishHeaders(headers: Record<string, unknown> | undefined, attempt: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k === 'x-death' || k.startsWith('x-first-death-') || k.startsWith('x-last-death-')) continue;
    kept[k] = v;
  }
  return { ...kept, [ATTEMPT_HEADER]: attempt, ...extra };
}
