/**
 * How large each kind of request may be: the one place that knows, used both to set the
 * limits (app.ts, the routes, the multipart reader) and to name them in 413/431 answers.
 * The code upload's cap is configuration (code.maxBytes, FNSTACK_CODE_MAX_BYTES).
 */
import { maxHeaderSize } from 'node:http';

const KiB = 1024;
const MiB = 1024 * KiB;

export const BODY_LIMITS = {
  /** JSON bodies (invoke event data, PATCH, every other JSON route), unless a route says otherwise. */
  json: 6 * MiB,
  /** A webhook delivery (POST /v1/hooks/{id}). */
  webhook: 1 * MiB,
  /** A run's outcome reported by the runner from a VM (its result is up to 32 MiB). */
  runnerOutcome: 64 * MiB,
  /** One batch of live logs posted by the runner from a VM. */
  runnerLogs: 1 * MiB,
  /** The multipart `metadata` field of a function create or update. */
  metadata: 64 * KiB,
} as const;

/** The request line plus headers: Node's own limit (`--max-http-header-size`). */
export const HEADER_LIMIT_BYTES = maxHeaderSize;

/** `6 MiB (6291456 bytes)`: the limit as a person reads it, and exactly. */
export function describeBytes(n: number): string {
  const human = n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : n >= KiB && n % KiB === 0 ? `${n / KiB} KiB` : null;
  return human ? `${human} (${n} bytes)` : `${n} bytes`;
}
