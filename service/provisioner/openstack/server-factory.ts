/**
 * Boots one function server up to "its runner has called in": a runner-session row first
 * (so that the reaper never sees a server nobody claims), then the server with its
 * metadata and user_data, then ACTIVE, then the runner's first request — all within one
 * provisioning deadline. Used for per-event servers and warm-pool servers alike. On any
 * failure the server is deleted (verified in the background) and the row removed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { deploymentIdOf } from '../../deployment-id.js';
import type { ComputeClient, CreateServerRequest } from '../../openstack/index.js';
import type { RunnerSessionStore } from '../../store/runner-session-store.js';
import { ProvisioningError } from '../provider.js';
import { createServer, deleteAndVerify, waitActive } from './server-boot.js';
import type { FlavorInfo, ImageInfo } from './sizing.js';
import { buildUserData } from './user-data.js';

/** Metadata keys on every server the service creates. */
export const META_SERVICE = 'fnstack:service';
export const META_EXECUTION = 'fnstack:execution';
export const META_POOL = 'fnstack:pool';

export interface BootSpec {
  flavor: FlavorInfo;
  image: ImageInfo;
  /** The function's heap limit, MiB: the runner starts its executor with it before the event. */
  memoryMb: number;
}

export interface BootedServer {
  sessionId: string;
  serverId: string;
  serverName: string;
  flavor: FlavorInfo;
  image: ImageInfo;
  /** Epoch ms: create call sent, ACTIVE seen, runner called in. */
  requestedAt: number;
  activeAt: number;
  readyAt: number;
}

export interface FactoryOptions {
  compute: ComputeClient;
  sessions: RunnerSessionStore;
  /** This process's owner id on runner-session rows. */
  owner: string;
  /** Value of the fnstack:service metadata key: which deployment the server belongs to. */
  serviceTag: string;
  serverNamePrefix: string;
  /** `none`, `auto` or a network UUID. */
  network: string;
  /** URL the runner reaches the service at. */
  serviceUrl: string;
  provisionTimeoutS: number;
  leaseMs: number;
  /** Called with every server deletion that still has to be verified (the provider awaits them on close). */
  track(p: Promise<unknown>): void;
}

export class ServerFactory {
  constructor(readonly o: FactoryOptions) {}

  /** Boots a server for one execution (`executionId`) or for a warm pool (`poolKey`). */
  async boot(spec: BootSpec, owner: { executionId: string } | { poolKey: string }, signal?: AbortSignal): Promise<BootedServer> {
    const o = this.o;
    const sessionId = randomUUID();
    const token = randomBytes(32).toString('base64url');
    const executionId = 'executionId' in owner ? owner.executionId : null;
    const serverName = executionId ? `${o.serverNamePrefix}${executionId}` : `${o.serverNamePrefix}pool-${sessionId.slice(0, 8)}`;
    const requestedAt = Date.now();
    const deadline = requestedAt + o.provisionTimeoutS * 1000;
    await o.sessions.create({ id: sessionId, token, serverName, executionId, poolKey: 'poolKey' in owner ? owner.poolKey : null, owner: o.owner, leaseMs: o.leaseMs });
    const request: CreateServerRequest = {
      name: serverName,
      flavorRef: spec.flavor.id,
      imageRef: spec.image.id,
      networks: networksOf(o.network),
      metadata: { [META_SERVICE]: o.serviceTag, [META_EXECUTION]: executionId ?? '-', [META_POOL]: executionId ? 'no' : 'ready' },
      userData: buildUserData({ serviceUrl: o.serviceUrl, token, memoryMb: spec.memoryMb }),
      description: executionId ? `fnstack execution ${executionId}` : 'fnstack warm-pool server',
    };
    let serverId: string | null = null;
    try {
      serverId = await createServer(o.compute, request);
      await o.sessions.setServer(sessionId, serverId);
      await waitActive(o.compute, serverId, { deadline, timeoutS: o.provisionTimeoutS, signal });
      const activeAt = Date.now();
      await this.waitHello(sessionId, serverId, deadline, signal);
      return { sessionId, serverId, serverName, flavor: spec.flavor, image: spec.image, requestedAt, activeAt, readyAt: Date.now() };
    } catch (err) {
      if (serverId) await this.discard(sessionId, serverId);
      else await o.sessions.remove(sessionId).catch(() => undefined);
      if (err instanceof ProvisioningError) throw err;
      if (signal?.aborted) throw new ProvisioningError('provider_unavailable', `provisioning of ${serverName} was aborted`, true);
      throw err;
    }
  }

  /**
   * Deletes the server. Awaited: the session is marked released (token refused from now on,
   * lease given up). In the background (tracked; the provider awaits it on close): DELETE,
   * re-sent until Nova answers 404, then the session row is removed. Should the 404 never
   * come, the reaper of any process deletes the server again, its lease having run out.
   * The execution's outcome is thus recorded without waiting for Nova's DELETE.
   */
  async discard(sessionId: string, serverId: string): Promise<void> {
    const { compute, sessions } = this.o;
    await sessions.release(sessionId).catch(() => undefined);
    const verified = deleteAndVerify(compute, serverId)
      .then(() => sessions.remove(sessionId))
      .catch(() => undefined);
    this.o.track(verified);
  }

  /** Waits for the runner's first request (it marks the row), checking the server now and then. */
  private async waitHello(sessionId: string, serverId: string, deadline: number, signal?: AbortSignal): Promise<void> {
    for (let i = 0; ; i++) {
      signal?.throwIfAborted();
      const s = await this.o.sessions.get(sessionId);
      if (s?.helloAt) return;
      if (Date.now() >= deadline) {
        throw new ProvisioningError('provision_timeout', `the runner in server ${serverId} did not call in within ${this.o.provisionTimeoutS} s (the server is ACTIVE: check the image's cloud-init, node, and that it can reach ${this.o.serviceUrl})`);
      }
      if (i % 25 === 24) {
        const server = await this.o.compute.getServer(serverId).catch(() => undefined);
        if (server === null || server?.status === 'ERROR') throw new ProvisioningError('boot_failed', `server ${serverId} ${server ? `went to ERROR: ${server.fault?.message ?? ''}` : 'disappeared'}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
    }
  }
}

/** The `fnstack:service` value of a deployment's servers: its deployment id. */
export const serviceTagOf = deploymentIdOf;

export function networksOf(network: string): CreateServerRequest['networks'] {
  if (network === 'none' || network === 'auto') return network;
  return [{ uuid: network }];
}
