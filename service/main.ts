/**
 * Starts the fnstack service: the API (listener) and/or a worker (orchestrator +
 * provisioner), wired from one loaded configuration. Used by `fnstack server` and by tests.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig, persistSecretsKey, publicUrlOf, type Role } from './config.js';
import { Store } from './store/store.js';
import { createQueue } from './queue/registry.js';
import { createProvider } from './provisioner/registry.js';
import type { Provider } from './provisioner/provider.js';
import { CodeCache } from './code/code-cache.js';
import { ExecutionEvents } from './orchestrator/execution-events.js';
import { Orchestrator } from './orchestrator/orchestrator.js';
import { StallSweeper } from './orchestrator/stall-sweeper.js';
import { OutcomeDelivery } from './destinations/outcome-delivery.js';
import { TriggerRouter } from './triggers/trigger-router.js';
import { startTriggerListeners } from './listener/sources.js';
import { buildApi } from './api/app.js';
import { bootstrapAdmin, credentialsPath, writeCredentials, type Credentials } from './auth/bootstrap.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { readinessOf } from './metrics/readiness.js';
import { startOperatorListener } from './metrics/operator-listener.js';
import { runnerSessionChanges } from './store/row-changes.js';

export interface StartOptions {
  /** Overrides on top of the loaded configuration (config file, FNSTACK_* env). */
  port?: number;
  host?: string;
  dataDir?: string;
  role?: Role;
  /** Environment to read configuration from instead of process.env (tests). */
  env?: Record<string, string | undefined>;
  /** false silences the service log (tests). */
  log?: boolean;
  /** Where the JSON log lines go instead of stdout (tests that read them). */
  logDestination?: NodeJS.WritableStream;
}

export interface RunningService {
  /** Base URL the API listens on, e.g. http://127.0.0.1:7700 (null for role=worker). */
  url: string | null;
  /** The admin credentials file (embedded default), or null. */
  credentialsFile: string | null;
  /** Worker id, when this process runs a worker. */
  workerId: string | null;
  /** Base URL of the operator listener (/health, /ready, /metrics), or null when it is off. */
  operatorUrl: string | null;
  close(): Promise<void>;
}

export async function startService(options: StartOptions = {}): Promise<RunningService> {
  const config = persistSecretsKey(loadConfig(options.env ?? process.env, { port: options.port, host: options.host, dataDir: options.dataDir, role: options.role }));
  const logOptions = { level: options.log === false ? 'silent' : config.logLevel, base: { role: config.role } };
  const logger = options.logDestination ? pino(logOptions, options.logDestination) : pino(logOptions);

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700); // the sandboxes must not be able to read it
  const store = await Store.open(config.databaseUrl, { ...config.store, logger });
  const closers: Array<() => Promise<unknown>> = [() => store.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
  };
  try {
    const queue = await createQueue(config, store, logger);
    closers.push(() => queue.close());
    const provider = await createProvider(config);
    closers.push(() => provider.close());
    await reportGuards(provider, logger);
    const codeCache = new CodeCache(join(config.dataDir, 'code'), store.code, { maxUnpackedBytes: config.code.maxUnpackedBytes, maxEntries: config.code.maxEntries }, config.code.unpackUid);
    const bus = /^amqps?:\/\//.test(config.queueUrl) ? await connectFinishedBus(config.queueUrl, config.role !== 'worker') : null;
    if (bus) closers.push(() => bus.close());
    if (provider.name === 'openstack' && /^amqps?:\/\//.test(config.queueUrl)) {
      // The runner's HTTP calls may reach another process than the one waiting in env.run().
      const sessionBus = await connectFinishedBus(config.queueUrl, true, RUNNER_SESSIONS_EXCHANGE);
      const unrelay = runnerSessionChanges.relay(sessionBus);
      closers.push(async () => {
        unrelay();
        await sessionBus.close();
      });
    }
    // With notices from every process, polling is only a safety net; without (store queue), an
    // API-only process polls as before, and an all-in-one process hears its own worker at once.
    const events = new ExecutionEvents({ bus, fallbackPollMs: bus ? 5_000 : config.role === 'all' ? 1_000 : 250 });
    const metrics = new ServiceMetrics().observe({ store, queue, provider });

    let orchestrator: Orchestrator | null = null;
    if (config.role !== 'api') {
      const outcomes = new OutcomeDelivery({ config, store, queue, logger: logger.child({ part: 'destinations' }) });
      orchestrator = new Orchestrator({ config, store, queue, provider, codeCache, events, logger, router: new TriggerRouter(store), metrics, outcomes });
      const sweeper = new StallSweeper(store, queue, logger, { intervalMs: 5_000, queuedForMs: 30_000 });
      await orchestrator.start();
      sweeper.start();
      const o = orchestrator;
      closers.push(async () => {
        sweeper.stop();
        await o.stop();
      });
      // Trigger listeners (scheduler, AMQP ingress, tenant brokers, OpenStack notifications) run beside the worker.
      const listeners = startTriggerListeners({ config, store, queue, logger, workerId: o.workerId });
      closers.push(() => listeners.close());
    }

    let url: string | null = null;
    let credentialsFile: string | null = null;
    if (config.role !== 'worker') {
      const app: FastifyInstance = await buildApi({ config, store, queue, codeCache, events, provider, metrics, directLane: orchestrator }, logger);
      closers.push(() => app.close());
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = publicUrlOf(config, port);
      if (config.auth.mode === 'builtin') {
        credentialsFile = (await bootstrapAdmin(store, config.dataDir, url)) ?? (await refreshEndpoint(credentialsPath(config.dataDir), url));
      }
      logger.info({ url, dataDir: config.dataDir, provider: provider.name, queue: queue.name, store: store.dialect }, 'fnstack API listening');
    }
    let operatorUrl: string | null = null;
    if (config.operator.port !== null) {
      // A process that takes requests is ready only with a worker somewhere; a worker only needs the store and the queue.
      const ready = () => readinessOf(store, queue, config.role !== 'worker');
      const listener = await startOperatorListener({ host: config.operator.host, port: config.operator.port }, metrics, ready, logger);
      closers.push(() => listener.close());
      operatorUrl = listener.url;
    }
    return { url, credentialsFile, workerId: orchestrator?.workerId ?? null, operatorUrl, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The fanout that carries runner-session news between processes (openstack provider). */
const RUNNER_SESSIONS_EXCHANGE = 'fnstack.runner-sessions';

async function connectFinishedBus(url: string, listen: boolean, exchange?: string) {
  const { RabbitFinishedBus } = await import('./queue/rabbit-finished-bus.js');
  return RabbitFinishedBus.connect(url, { listen, ...(exchange ? { exchange } : {}) });
}

/** Keeps the credentials file pointing at the port this start actually got. */
async function refreshEndpoint(path: string, endpoint: string): Promise<string | null> {
  try {
    const creds = JSON.parse(await readFile(path, 'utf8')) as Credentials;
    if (creds.endpoint !== endpoint) await writeCredentials(path, { ...creds, endpoint });
    return path;
  } catch {
    return null;
  }
}

/** Says at start what the sandbox guards and refuses here, so an operator is never surprised later. */
async function reportGuards(provider: Provider, logger: Logger): Promise<void> {
  try {
    const guards = await provider.describeGuards?.();
    if (!guards) return;
    const refused = Object.values(guards).some((v) => v.startsWith('refused'));
    logger[refused ? 'warn' : 'info']({ provider: provider.name, guards }, refused ? 'sandbox: some functions will be refused here' : 'sandbox guards installed');
  } catch (err) {
    logger.error({ provider: provider.name, reason: (err as Error).message }, 'sandbox unavailable: every execution will be refused until this is fixed');
  }
}
