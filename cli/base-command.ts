/**
 * Base classes of every fnstack command. BaseCommand turns whatever a command throws into
 * one line on stderr (a JSON object when JSON output was asked for) and an exit code (see
 * errors.ts); ApiCommand adds the flags that say which service to talk to; JsonCommand adds --json;
 * ReadCommand adds -f/--format, -c/--column and --json (output/formats.ts).
 */
import { homedir } from 'node:os';
import { Command, Option } from 'clipanion';
import { ApiClient } from './api-client.js';
import { discoverCredentials, type Credentials } from './credentials.js';
import { describeError } from './errors.js';
import { annotate } from './command-spec.js';
import { FORMATS, outputChoice, renderList, renderOne, type ListView, type OutputChoice } from './output/formats.js';

export abstract class BaseCommand extends Command {
  /** The command's work; a returned number is the exit code. */
  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (error) {
      const report = describeError(error, { debug: this.env.FNSTACK_DEBUG === '1', binaryName: this.cli.binaryName, json: this.wantsJson() });
      this.context.stderr.write(report.text);
      return report.exitCode;
    }
  }

  /** Whether the user asked for JSON output (then errors are JSON too). */
  protected wantsJson(): boolean {
    return (this as { json?: unknown }).json === true;
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
  endpoint = annotate(
    Option.String('--endpoint', { description: 'URL of the fnstack API (else FNSTACK_ENDPOINT, the profile, the credentials file, http://127.0.0.1:7700)' }),
    { placeholder: 'URL', common: true },
  );

  apiKey = annotate(Option.String('--api-key', { description: 'API key (else FNSTACK_API_KEY, the profile, then the credentials file)' }), {
    placeholder: 'KEY',
    common: true,
  });

  profile = annotate(Option.String('--profile', { description: 'Use this profile of profiles.yaml (else FNSTACK_PROFILE, then the current one: `fnstack profile use`)' }), {
    placeholder: 'PROFILE',
    common: true,
  });

  protected credentials(options: { useProfiles?: boolean } = {}): Credentials {
    return discoverCredentials({
      flags: { endpoint: this.endpoint, apiKey: this.apiKey, profile: this.profile },
      env: this.env,
      cwd: process.cwd(),
      homeDir: homedir(),
      ...options,
    });
  }

  protected client(credentials: Credentials = this.credentials()): ApiClient {
    return new ApiClient({ endpoint: credentials.endpoint, apiKey: credentials.apiKey, apiKeySource: credentials.apiKeySource });
  }
}

/** Commands that change something: `--json` prints the API's answer instead of a sentence. */
export abstract class JsonCommand extends ApiCommand {
  json = annotate(Option.Boolean('--json', false, { description: "Print the API's answer as JSON" }), { common: true });
}

/** Adds -f/--format, -c/--column and --json to a command class, and printing by them. */
function withOutputOptions<T extends abstract new (...args: any[]) => BaseCommand>(Base: T) {
  abstract class WithOutputOptions extends Base {
    format = annotate(Option.String('-f,--format', { description: 'Output format: table (the default), json, yaml or value' }), {
      placeholder: FORMATS.join('|'),
      common: true,
    });
    columns = annotate(Option.Array('-c,--column', { description: "Only this column, a field of the API's answer (repeatable; `code.sha256` reaches into an object)" }), {
      placeholder: 'COLUMN',
      common: true,
    });
    json = annotate(Option.Boolean('--json', false, { description: 'Same as -f json' }), { common: true });

    protected override wantsJson(): boolean {
      return this.json || this.format === 'json';
    }

    /** The output flags, checked; call before talking to the service so that a typo costs nothing. */
    protected output(): OutputChoice {
      return outputChoice({ format: this.format, json: this.json, columns: this.columns });
    }

    protected printList(rows: ReadonlyArray<object>, view: ListView, choice = this.output()): void {
      if (rows.length === 0 && choice.format === 'table' && view.empty) return this.err(view.empty);
      this.context.stdout.write(renderList(rows as ReadonlyArray<Record<string, unknown>>, choice, view));
    }

    protected printOne(row: object, details: () => string, choice = this.output()): void {
      const text = renderOne(row as Record<string, unknown>, choice, details);
      this.context.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }
  return WithOutputOptions;
}

/** Commands that read from the service. */
export abstract class ReadCommand extends withOutputOptions(ApiCommand) {}

/** Commands that read local state (profiles), with the same output options. */
export abstract class LocalReadCommand extends withOutputOptions(BaseCommand) {}
