/** Chooses the compute back end from configuration. */
import { join } from 'node:path';
import { publicUrlOf, type Config } from '../config.js';
import type { Provider } from './provider.js';
import { ConfigError } from '../errors.js';

export async function createProvider(config: Readonly<Config>): Promise<Provider> {
  if (config.provider === 'local') {
    const { LocalProvider } = await import('./local/local-provider.js');
    return new LocalProvider({
      sandboxRoot: sandboxRootOf(config),
      pidsMax: config.limits.pidsMax,
      logLimitBytes: config.execution.logLimitBytes,
      maxMemoryMb: config.limits.maxMemoryMb,
      warmIdleMs: config.warm.idleMs,
      warmMaxPerFunction: config.warm.maxPerFunction,
      warmMaxPerProject: config.warm.maxPerProject,
      poolSize: config.warm.poolSize,
      egressDeny: config.sandboxEgressDeny,
    });
  }
  if (config.provider === 'openstack') {
    if (!config.openstack) throw new ConfigError('os_auth_url', 'the openstack provider needs FNSTACK_OS_AUTH_URL and credentials');
    if (!config.publicUrl && config.port === 0) throw new ConfigError('public_url', 'the openstack provider needs public_url: the URL the servers reach the service at');
    const [{ OpenStackProvider }, { default: pino }] = await Promise.all([import('./openstack/openstack-provider.js'), import('pino')]);
    const provider = new OpenStackProvider({
      openstack: config.openstack,
      databaseUrl: config.databaseUrl,
      serviceUrl: publicUrlOf(config, config.port),
      leaseMs: config.execution.leaseMs,
      pools: config.role !== 'api',
      logger: pino({ level: config.logLevel, base: { role: config.role, component: 'openstack-provider' } }),
    });
    // An API-only process only sizes functions (check) and answers the runners' routes through
    // the store: it starts none of the provider's machinery (heartbeat, reaper, warm pools).
    return config.role === 'api' ? provider : provider.start();
  }
  throw new ConfigError('provider', `provider '${config.provider}' is not available in this build`);
}

/**
 * With per-execution uids (root) the sandboxes must live where those uids can traverse,
 * which a data dir inside a 0700 home is not: one directory under /var/lib, shared by every
 * service process on the machine (each sandbox names its owner process; see stale-sweeper).
 */
export function sandboxRootOf(config: Readonly<Config>): string {
  if (config.sandboxDir) return config.sandboxDir;
  if (process.getuid?.() !== 0) return join(config.dataDir, 'sandboxes');
  return '/var/lib/fnstack/sandboxes';
}
