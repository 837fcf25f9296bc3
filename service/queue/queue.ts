/**
 * The durable work queue between the listener/API and the orchestrator. Back ends: the
 * store-backed queue (embedded default) and RabbitMQ. Every back end passes the same
 * conformance tests (test/queue/).
 *
 * Delivery is at-least-once: a message is redelivered if its consumer dies before ack.
 * Consumers make processing idempotent (executions are unique per event and function).
 */
import type { CloudEvent } from '../runner/protocol.js';

/** What a request id may be (a client's X-Request-Id is taken only when it matches): short, and nothing a log or header could misread. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export type WorkMessage =
  /** Run one execution that already exists in the store (direct invoke, or fan-out of an event). */
  | { kind: 'run'; executionId: string; projectId: string }
  /** An event to route to every function bound to it. */
  /** `requestId`: the API call that brought the event, carried onto the executions it causes. */
  | { kind: 'event'; projectId: string; event: CloudEvent; requestId?: string };

/** Whether a decoded payload is a work message at all (anything else is poison: dead-lettered at once). */
export function isWorkMessage(m: unknown): m is WorkMessage {
  if (!m || typeof m !== 'object') return false;
  const w = m as Record<string, unknown>;
  if (typeof w.projectId !== 'string') return false;
  if (w.kind === 'run') return typeof w.executionId === 'string';
  if (w.kind === 'event') {
    const e = w.event as Record<string, unknown> | undefined;
    return !!e && typeof e === 'object' && typeof e.id === 'string' && typeof e.type === 'string' && typeof e.source === 'string';
  }
  return false;
}

export interface QueueStats {
  /** Messages ready to be delivered (RabbitMQ: ready, not unacked; store: not yet claimed). */
  messages: number;
  /** Consumers of the work queue in every process (a worker with several channels counts each). */
  consumers: number;
}

export interface Delivery {
  readonly message: WorkMessage;
  /** 1 for the first delivery. */
  readonly attempt: number;
  ack(): Promise<void>;
  /** Puts the message back to be tried again after `delayMs`. */
  retry(delayMs: number, reason: string): Promise<void>;
  /** Gives up: the message goes to the dead-letter queue with the reason. */
  deadLetter(reason: string): Promise<void>;
}

export interface ConsumeOptions {
  /** Messages handed to this consumer at once. */
  prefetch: number;
}

export interface Consumer {
  /** Stops taking new messages; resolves when in-flight handlers have finished. */
  stop(): Promise<void>;
}

export interface WorkQueue {
  readonly name: string;
  /** Resolves only once the message is durable (store commit / publisher confirm). */
  publish(message: WorkMessage): Promise<void>;
  consume(handler: (delivery: Delivery) => Promise<void>, options: ConsumeOptions): Promise<Consumer>;
  /** Answers whether the back end is reachable now (readiness). */
  ping(): Promise<boolean>;
  /** Messages waiting on the work queue, and consumers taking them (any process); throws when unreachable. */
  stats(): Promise<QueueStats>;
  close(): Promise<void>;
}

/** Retry delay for the n-th failed attempt: exponential with full jitter, capped. Pure. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 60_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
