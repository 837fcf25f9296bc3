/** A real fnstack service on a free port with its own data directory, for end-to-end tests. */
import { startService } from '../../../service/main.js';
import { cliSandbox, runCli, type CliResult, type CliSandbox, type RunOptions } from './cli-harness.js';
import { tempDir } from './tmp.js';

export interface TestService {
  url: string;
  dataDir: string;
  credentialsFile: string;
  sandbox: CliSandbox;
  /** Runs the CLI in the sandbox; it finds the key through $FNSTACK_DATA_DIR/credentials.json. */
  cli(args: string[], options?: RunOptions): Promise<CliResult>;
  close(): Promise<void>;
}

export async function startTestService(): Promise<TestService> {
  const dataDir = tempDir('fnstack-cli-e2e-data-');
  const service = await startService({ port: 0, host: '127.0.0.1', dataDir, env: {}, log: false });
  if (!service.url || !service.credentialsFile) {
    await service.close();
    throw new Error('the service started without an API URL or a credentials file');
  }
  const sandbox = cliSandbox({ FNSTACK_DATA_DIR: dataDir });
  return {
    url: service.url,
    dataDir,
    credentialsFile: service.credentialsFile,
    sandbox,
    cli: (args, options = {}) => runCli(args, { cwd: sandbox.cwd, ...options, env: { ...sandbox.env, ...options.env } }),
    close: () => service.close(),
  };
}

