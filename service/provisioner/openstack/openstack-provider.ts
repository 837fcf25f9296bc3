/**
 * The `openstack` provider: every event gets a Nova server sized for it.
 *
 *   check()    flavor + image for the function's resources (sizing.ts); 422 at create time
 *              when nothing fits. Also starts the warm pool for that (flavor, image).
 *   acquire()  a ready warm-pool server (pool hit) or a new one (miss): session row, server
 *              with metadata + user_data, ACTIVE, runner called in (server-factory.ts)
 *   run()      assignment/outcome through the store (openstack-environment.ts)
 *   release()  DELETE, 404 verified in the background, then the session row goes
 *
 * Background work in every process: a heartbeat renewing the leases of this process's
 * session rows, and the reaper (reaper.ts). Warm pools only in processes that run a worker.
 * The provider keeps its own store connection (the registry only hands it the config).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { OpenStackConfig } from '../../config.js';
import { ComputeClient, ImageClient, OpenStackSession } from '../../openstack/index.js';
import { Store } from '../../store/store.js';
import { RunnerSessionStore } from '../../store/runner-session-store.js';
import { ProvisioningError, type Environment, type Placement, type ProvisioningParams, type Provider } from '../provider.js';
import { DEFAULT_TIMINGS, OpenStackEnvironment, type RunTimings } from './openstack-environment.js';
import { Reaper } from './reaper.js';
import { provisioningErrorOf } from './server-boot.js';
import { ServerFactory, serviceTagOf, type BootSpec } from './server-factory.js';
import { chooseFlavor, chooseImage, type FlavorChoice, type FlavorInfo, type ImageInfo } from './sizing.js';
import { WarmPool } from './warm-pool.js';

export interface OpenStackProviderOptions {
  openstack: OpenStackConfig;
  /** The service's store: runner sessions live there. */
  databaseUrl: string;
  /** URL the runner inside a server reaches the service at. */
  serviceUrl: string;
  /** The orchestrator's execution lease, ms; session leases are twice as long. */
  leaseMs: number;
  /** Keep warm pools in this process (not in API-only processes). */
  pools: boolean;
  logger?: Logger;
  /** How long flavor and image lists are reused, ms. Default 60 s. */
  catalogTtlMs?: number;
  timings?: Partial<RunTimings>;
  /** Test seams. */
  session?: OpenStackSession;
  store?: Store;
}

export class OpenStackProvider implements Provider {
  readonly name = 'openstack';
  /** This process's owner id on runner-session rows. */
  readonly owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** Value of `fnstack:service` on this deployment's servers (derived from the store it uses). */
  readonly serviceTag: string;
  readonly compute: ComputeClient;
  readonly images: ImageClient;
  pool: WarmPool | null = null;
  reaper: Reaper | null = null;
  private store: Store | null = null;
  private ownStore = false;
  private sessions: RunnerSessionStore | null = null;
  private factory: ServerFactory | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly live = new Map<string, OpenStackEnvironment>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly timings: RunTimings;
  private flavorCache: { at: number; flavors: Promise<FlavorInfo[]> } | null = null;
  private readonly imageCache = new Map<string, { at: number; image: Promise<ImageInfo> }>();
  private closed = false;

  constructor(readonly options: OpenStackProviderOptions) {
    const os = options.openstack;
    const session =
      options.session ??
      new OpenStackSession({
        authUrl: os.authUrl,
        credentials: os.credentials.type === 'password' ? { ...os.credentials } : { type: 'application_credential', id: os.credentials.id, secret: os.credentials.secret },
        region: os.region,
        interface: os.interface,
      });
    this.compute = new ComputeClient(session);
    this.images = new ImageClient(session);
    this.serviceTag = serviceTagOf(options.databaseUrl);
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
  }

  get sessionLeaseMs(): number {
    return Math.max(2 * this.options.leaseMs, 4000);
  }

  /** Opens the store and starts the heartbeat and the reaper. */
  async start(): Promise<this> {
    const o = this.options;
    this.store = o.store ?? (await Store.open(o.databaseUrl, { poolSize: 4 }));
    this.ownStore = !o.store;
    const sessions = new RunnerSessionStore(this.store.db);
    this.sessions = sessions;
    this.factory = new ServerFactory({
      compute: this.compute,
      sessions,
      owner: this.owner,
      serviceTag: this.serviceTag,
      serverNamePrefix: o.openstack.serverNamePrefix,
      network: o.openstack.network,
      serviceUrl: o.serviceUrl.replace(/\/+$/, ''),
      provisionTimeoutS: o.openstack.provisionTimeoutS,
      leaseMs: this.sessionLeaseMs,
      track: (p) => this.track(p),
    });
    if (o.pools && o.openstack.poolSize > 0) this.pool = new WarmPool(this.factory, sessions, o.openstack.poolSize, o.logger);
    const every = Math.max(500, Math.floor(o.leaseMs / 3));
    this.heartbeat = setInterval(() => {
      sessions.renew(this.owner, this.sessionLeaseMs).catch((err: unknown) => o.logger?.warn({ err }, 'runner-session heartbeat failed'));
    }, every).unref();
    this.reaper = new Reaper({
      compute: this.compute,
      sessions,
      serverNamePrefix: o.openstack.serverNamePrefix,
      serviceTag: this.serviceTag,
      intervalMs: o.openstack.reaperIntervalS * 1000,
      logger: o.logger,
    });
    this.reaper.start();
    return this;
  }

  async check(params: Omit<ProvisioningParams, 'executionId'>): Promise<Placement> {
    this.validate(params);
    const { spec, choice } = await this.place(params);
    this.pool?.warm(spec);
    return { provider: this.name, details: this.details(spec, choice) };
  }

  async acquire(params: ProvisioningParams, signal?: AbortSignal): Promise<Environment> {
    const factory = this.ready();
    this.validate(params);
    const { spec, choice } = await this.place(params);
    signal?.throwIfAborted();
    const t0 = Date.now();
    let server = this.pool ? await this.pool.take(spec, params.executionId) : null;
    const pool = !this.pool ? 'off' : server ? 'hit' : 'miss';
    server ??= await factory.boot(spec, { executionId: params.executionId }, signal);
    const placement: Placement = {
      provider: this.name,
      details: {
        ...this.details(spec, choice),
        server: server.serverId,
        serverName: server.serverName,
        pool,
        provisioningMs: Date.now() - t0,
        bootMs: server.readyAt - server.requestedAt,
        activeMs: server.activeAt - server.requestedAt,
      },
    };
    const env = new OpenStackEnvironment(server, placement, { compute: this.compute, sessions: this.sessions!, serviceUrl: this.options.serviceUrl.replace(/\/+$/, ''), timings: this.timings });
    this.live.set(env.id, env);
    return env;
  }

  async release(env: Environment): Promise<void> {
    if (!(env instanceof OpenStackEnvironment)) throw new TypeError('not an environment of this provider');
    if (env.released) return;
    env.released = true;
    this.live.delete(env.id);
    await this.factory!.discard(env.server.sessionId, env.server.serverId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.reaper?.stop();
    await this.pool?.close();
    await Promise.all([...this.live.values()].map((env) => this.release(env).catch(() => undefined)));
    await Promise.race([Promise.all(this.pending), new Promise((r) => setTimeout(r, 120_000).unref())]);
    if (this.ownStore) await this.store?.close();
  }

  /** Deletions still being verified (tests wait for them). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  /** Flavor and image for these parameters (cached lists), with the reason. */
  async place(params: Omit<ProvisioningParams, 'executionId'>): Promise<{ spec: BootSpec; choice: FlavorChoice }> {
    const os = this.options.openstack;
    let flavors: FlavorInfo[];
    let image: ImageInfo;
    try {
      [flavors, image] = await Promise.all([this.flavors(), this.image(params.runtime)]);
    } catch (err) {
      throw provisioningErrorOf(err, 'cannot list flavors and images');
    }
    const choice = chooseFlavor(flavors, params, os.flavorAllowList, image);
    return { spec: { flavor: choice.flavor, image, memoryMb: params.memoryMb }, choice };
  }

  private details(spec: BootSpec, choice: FlavorChoice): Record<string, unknown> {
    const { flavor, image } = spec;
    return {
      flavor: flavor.name,
      flavorId: flavor.id,
      flavorSize: { ramMb: flavor.ram, vcpus: flavor.vcpus, diskGb: flavor.disk },
      image: image.name ?? image.id,
      imageId: image.id,
      reason: choice.reason,
      network: this.options.openstack.network,
    };
  }

  private validate(p: Omit<ProvisioningParams, 'executionId'>): void {
    if (!p.network) {
      throw new ProvisioningError(
        'invalid_params',
        'network: false cannot be honoured by the openstack provider: the runner inside the server needs the network to reach the service (pull model)',
        false,
        'network',
      );
    }
    if (p.isolation === 'reuse') {
      throw new ProvisioningError(
        'invalid_params',
        "isolation: reuse is not available on the openstack provider yet (every event gets a server of its own); use isolation: 'per-event'",
        false,
        'isolation',
      );
    }
  }

  private flavors(): Promise<FlavorInfo[]> {
    const ttl = this.options.catalogTtlMs ?? 60_000;
    if (!this.flavorCache || Date.now() - this.flavorCache.at > ttl) {
      const flavors = this.compute.listFlavors().then((list) => list.map((f) => ({ id: f.id, name: f.name, ram: f.ram, vcpus: f.vcpus, disk: f.disk, disabled: f['OS-FLV-DISABLED:disabled'] })));
      flavors.catch(() => (this.flavorCache = null));
      this.flavorCache = { at: Date.now(), flavors };
    }
    return this.flavorCache.flavors;
  }

  private image(runtime: string): Promise<ImageInfo> {
    const ttl = this.options.catalogTtlMs ?? 60_000;
    const property = this.options.openstack.imageProperty;
    const hit = this.imageCache.get(runtime);
    if (hit && Date.now() - hit.at <= ttl) return hit.image;
    const image = this.images.listImages({ properties: { [property]: runtime }, status: 'active' }).then((list) => chooseImage(list as unknown as ImageInfo[], property, runtime));
    image.catch(() => this.imageCache.delete(runtime));
    this.imageCache.set(runtime, { at: Date.now(), image });
    return image;
  }

  private ready(): ServerFactory {
    if (this.closed) throw new ProvisioningError('provider_unavailable', 'the openstack provider is closed', true);
    if (!this.factory) throw new ProvisioningError('provider_unavailable', 'the openstack provider has not been started', true);
    return this.factory;
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
