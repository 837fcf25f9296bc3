/** Small pieces the RabbitMQ queue and its consumers share: the typed error, logging, waits. */
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
/**
 * RabbitMQ did not take the message in time (down, blocked by a resource alarm, or
 * unreachable): nothing was published and the caller may try again (the API answers
 * 503 `not_ready`).
 */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  readonly retryable = true;
}

/** The part of a pino logger the queue uses. */
export interface QueueLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: QueueLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Waits for a channel wrapper's next (re)connect with its setups done. A failing setup
 * (e.g. 406 for an inequivalent queue declaration) rejects instead.
 */
export function firstConnect(wrapper: ChannelWrapper, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      wrapper.off('connect', onConnect);
      wrapper.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onConnect = () => done();
    const onError = (err: Error) => done(err);
    const timer = setTimeout(() => done(new Error(`channel not set up within ${timeoutMs} ms`)), timeoutMs);
    wrapper.once('connect', onConnect);
    wrapper.once('error', onError);
  });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'amqp://(unparsable url)';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether `p` settled within `ms` (its outcome is ignored either way). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a connection manager, giving up after `ms`: amqplib waits for the broker's
 * Close-Ok forever when the socket dies during the closing handshake (the continuation
 * is only called on Close-Ok), so a close racing a dropped connection would never return.
 * On timeout the socket is destroyed, which is all a close could still do.
 */
export async function closeWithin(conn: AmqpConnectionManager, ms: number): Promise<void> {
  const model = conn.connection as unknown as { connection?: { stream?: { destroy(): void } } } | undefined;
  if (await settlesWithin(conn.close(), ms)) return;
  model?.connection?.stream?.destroy();
}
