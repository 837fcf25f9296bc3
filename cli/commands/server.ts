import { Command, Option } from 'clipanion';
import { BaseCommand } from '../base-command.js';
import { CliError } from '../errors.js';
import { parseChoice, parseIntOption } from '../input.js';
import { annotate } from '../command-spec.js';

const ROLES = ['api', 'worker', 'all'] as const;

export class ServerCommand extends BaseCommand {
  static override paths = [['server']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Run the fnstack service (API and workers) in the foreground',
    details: `
      Starts the embedded default (SQLite store, local sandboxed runner) unless the configuration
      (\`<data-dir>/config.yaml\` or FNSTACK_* variables) says otherwise. On first start it creates an
      admin API key and writes \`<data-dir>/credentials.json\`, which the CLI finds by itself when run
      from the same directory. Stops cleanly on Ctrl-C or SIGTERM.
    `,
    examples: [
      ['Start on the default address (127.0.0.1:7700, data in ./.fnstack)', '$0 server'],
      ['Listen on all interfaces, port 8080, data elsewhere', '$0 server --host 0.0.0.0 --port 8080 --data-dir /var/lib/fnstack'],
      ['Run only workers (scale-out with a shared database and queue)', '$0 server --role worker'],
    ],
  });

  port = Option.String('--port', { description: 'TCP port of the API (default 7700; 0 picks a free one)' });
  host = annotate(Option.String('--host', { description: 'Address to listen on (default 127.0.0.1)' }), { placeholder: 'ADDRESS' });
  dataDir = annotate(Option.String('--data-dir', { description: 'Data directory (default ./.fnstack or FNSTACK_DATA_DIR)' }), { placeholder: 'DIR' });
  role = annotate(Option.String('--role', { description: 'api, worker or all (default all)' }), { placeholder: 'api|worker|all' });

  async run(): Promise<number> {
    const port = parseIntOption(this.port, '--port', 0, 65535);
    const role = parseChoice(this.role, '--role', ROLES);
    // Loaded here so other commands do not pay for the service's dependencies.
    const { startService } = await import('../../service/main.js');

    let service: Awaited<ReturnType<typeof startService>>;
    try {
      service = await startService({
        ...(port !== undefined ? { port } : {}),
        ...(this.host !== undefined ? { host: this.host } : {}),
        ...(this.dataDir !== undefined ? { dataDir: this.dataDir } : {}),
        ...(role !== undefined ? { role } : {}),
      });
    } catch (error) {
      throw startError(error, this.host ?? '127.0.0.1', port);
    }

    // On stderr: stdout carries the service's JSON log alone, one object per line (jq-able).
    if (service.url) this.err(`fnstack is listening on ${service.url}`);
    else this.err('fnstack worker is running (no API in this process)');
    if (service.credentialsFile) this.err(`credentials: ${service.credentialsFile}`);
    if (service.operatorUrl) this.err(`health, readiness and metrics: ${service.operatorUrl}/metrics`);
    this.err('press Ctrl-C to stop');

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    this.err(`${signal}: stopping…`);
    // A second signal means "now": do not wait for running executions to finish.
    const force = () => process.exit(130);
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    await service.close();
    this.err('stopped');
    // Stopped means stopped: a handle the service forgot to close must not keep the process up.
    setTimeout(() => process.exit(0), 2_000).unref();
    return 0;
  }
}

function startError(error: unknown, host: string, port: number | undefined): unknown {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'EADDRINUSE') return new CliError(`cannot listen on ${host}:${port ?? 7700}: the address is already in use`);
  if (err?.code === 'EACCES') return new CliError(`cannot listen on ${host}:${port ?? 7700}: permission denied`);
  if (err?.name === 'ConfigError') return new CliError(err.message);
  return error;
}
