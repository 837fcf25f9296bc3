/**
 * Booting one server and getting rid of it again, with every Nova failure turned into the
 * ProvisioningError it means:
 *
 *   403/413 "Quota exceeded…"     → quota_exceeded (Nova's message)
 *   status ERROR                  → boot_failed (the server's fault message)
 *   deadline passed               → provision_timeout
 *   no answer, 5xx                → provider_unavailable (retryable)
 *   other 4xx                     → invalid_params (Nova's message)
 *
 * Whatever fails after the create call, the server is deleted before the error is thrown.
 */
import { OpenStackError, type ComputeClient, type CreateServerRequest, type Server } from '../../openstack/index.js';
import { ProvisioningError } from '../provider.js';

/**
 * Delay before the n-th status poll (0-based), ms: 250, 325, 423, … capped at 1 s (pure).
 * A GET on one server is cheap for Nova; a late look costs the execution the whole gap.
 */
export function pollDelayMs(attempt: number, baseMs = 250, capMs = 1000): number {
  return Math.min(capMs, Math.round(baseMs * 1.3 ** Math.max(0, attempt)));
}

export function provisioningErrorOf(err: unknown, what: string): ProvisioningError {
  if (err instanceof ProvisioningError) return err;
  if (err instanceof OpenStackError) {
    if ((err.status === 403 || err.status === 413) && /quota exceeded/i.test(err.message)) return new ProvisioningError('quota_exceeded', novaMessage(err));
    if (err.retryable) return new ProvisioningError('provider_unavailable', `${what}: ${err.message}`, true);
    return new ProvisioningError('invalid_params', `${what}: ${novaMessage(err)}`);
  }
  if (err instanceof Error && err.name === 'AbortError') return new ProvisioningError('provider_unavailable', `${what}: aborted`, true);
  return new ProvisioningError('provider_unavailable', `${what}: ${err instanceof Error ? err.message : String(err)}`, true);
}

/** Nova's own words, without our "compute: HTTP 403:" prefix. */
function novaMessage(err: OpenStackError): string {
  return err.message.replace(/^compute: HTTP \d+: /, '');
}

export interface WaitOptions {
  /** Epoch ms by which the server must be ACTIVE. */
  deadline: number;
  timeoutS: number;
  signal?: AbortSignal;
  /** Test seam. */
  sleep?: (ms: number) => Promise<void>;
}

/** Polls until ACTIVE. ERROR → boot_failed with Nova's fault; deadline → provision_timeout; gone → boot_failed. */
export async function waitActive(compute: ComputeClient, id: string, o: WaitOptions): Promise<Server> {
  const sleep = o.sleep ?? delay;
  for (let attempt = 0; ; attempt++) {
    o.signal?.throwIfAborted();
    const server = await compute.getServer(id);
    if (!server) throw new ProvisioningError('boot_failed', `server ${id} disappeared while it was being built`);
    if (server.status === 'ACTIVE') return server;
    if (server.status === 'ERROR') {
      const fault = server.fault;
      const message = fault ? `${fault.message}${fault.code ? ` (code ${fault.code})` : ''}` : 'the server went to ERROR without a fault message';
      throw new ProvisioningError('boot_failed', `server ${id} failed to boot: ${message}`);
    }
    const left = o.deadline - Date.now();
    if (left <= 0) throw new ProvisioningError('provision_timeout', `server ${id} was not ready within ${o.timeoutS} s (status ${server.status})`);
    await sleep(Math.min(left, pollDelayMs(attempt)));
  }
}

export async function createServer(compute: ComputeClient, req: CreateServerRequest): Promise<string> {
  try {
    return (await compute.createServer(req)).id;
  } catch (err) {
    throw provisioningErrorOf(err, `cannot create server ${req.name}`);
  }
}

/**
 * Deletes the server and waits until Nova answers 404, re-sending the delete now and then
 * (a delete can be lost, e.g. while the server is still building). Throws after `timeoutMs`.
 */
export async function deleteAndVerify(compute: ComputeClient, id: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastDelete = 0;
  for (let attempt = 0; ; attempt++) {
    if (Date.now() - lastDelete > 15_000) {
      lastDelete = Date.now();
      try {
        if (!(await compute.deleteServer(id))) return;
      } catch (err) {
        // 409 while a task is running on it: try again shortly
        if (!(err instanceof OpenStackError) || (err.status !== 409 && !err.retryable)) throw err;
      }
    }
    const server = await compute.getServer(id).catch((err: unknown) => {
      if (err instanceof OpenStackError && err.retryable) return undefined;
      throw err;
    });
    if (server === null) return;
    if (Date.now() > until) throw new Error(`server ${id} still exists ${Math.round(timeoutMs / 1000)} s after it was deleted (status ${server?.status ?? 'unknown'})`);
    await delay(pollDelayMs(attempt, 250, 3000));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
