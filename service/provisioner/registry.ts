/** Chooses the compute back end from configuration. */
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Provider } from './provider.js';
import { ConfigError } from '../errors.js';

export async function createProvider(config: Readonly<Config>): Promise<Provider> {
  if (config.provider === 'local') {
    const { LocalProvider } = await import('./local/local-provider.js');
    return new LocalProvider({
      sandboxRoot: join(config.dataDir, 'sandboxes'),
      pidsMax: config.limits.pidsMax,
      logLimitBytes: config.execution.logLimitBytes,
      maxMemoryMb: config.limits.maxMemoryMb,
    });
  }
  throw new ConfigError('provider', `provider '${config.provider}' is not available in this build`);
}
