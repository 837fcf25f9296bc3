/**
 * Base classes of every fnstack command. BaseCommand turns whatever a command throws into
 * one line on stderr and an exit code (see errors.ts); ApiCommand adds the flags that say
 * which service to talk to; ReadCommand adds --json.
 */
import { homedir } from 'node:os';
import { Command, Option } from 'clipanion';
import { ApiClient } from './api-client.js';
import { discoverCredentials, type Credentials } from './credentials.js';
import { describeError } from './errors.js';

export abstract class BaseCommand extends Command {
  /** The command's work; a returned number is the exit code. */
  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      const report = describeError(error, { debug: this.env.FNSTACK_DEBUG === '1', binaryName: this.cli.binaryName });
      this.context.stderr.write(report.text);
      return report.exitCode;
    }
  }

  protected get env(): Record<string, string | undefined> {
    return this.context.env ?? process.env;
  }

  protected out(text: string): void {
    this.context.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected err(text: string): void {
    this.context.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected outJson(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }
}

export abstract class ApiCommand extends BaseCommand {
  endpoint = Option.String('--endpoint', {
    description: 'URL of the fnstack API (else FNSTACK_ENDPOINT, the credentials file, http://127.0.0.1:7700)',
  });

  apiKey = Option.String('--api-key', {
    description: 'API key (else FNSTACK_API_KEY, then the credentials file)',
  });

  protected credentials(): Credentials {
    return discoverCredentials({
      flags: { endpoint: this.endpoint, apiKey: this.apiKey },
      env: this.env,
      cwd: process.cwd(),
      homeDir: homedir(),
    });
  }

  protected client(credentials: Credentials = this.credentials()): ApiClient {
    return new ApiClient({ endpoint: credentials.endpoint, apiKey: credentials.apiKey, apiKeySource: credentials.apiKeySource });
  }
}

export abstract class ReadCommand extends ApiCommand {
  json = Option.Boolean('--json', false, { description: 'Print the API answer as JSON instead of a table' });
}
