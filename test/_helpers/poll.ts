/**
 * Waiting for a state. Tests wait for what they need and never bound how fast it comes
 * (speed belongs in bench/): the cap only turns a hang into a failure that names the wait.
 */

/** Generous: a busy machine is slow, not broken. Under ava's own per-test timeout (3 min). */
export const WAIT_CAP_MS = 120_000;

/**
 * Calls `probe` every `everyMs` until it returns something other than `undefined`, and
 * returns that. Throws `timed out waiting for <what>` after `capMs`.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, { everyMs = 200, capMs = WAIT_CAP_MS } = {}): Promise<T> {
  const deadline = Date.now() + capMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${capMs} ms)`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
