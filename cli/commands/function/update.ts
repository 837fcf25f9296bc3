import { Command, Option, UsageError } from 'clipanion';
import type { Destination } from '../../api-types.js';
import { parseEnvPairs } from '../../input.js';
import { humanSize } from '../../output/units.js';
import { FunctionSpecCommand, withoutNone } from './spec-options.js';
import { annotate } from '../../command-spec.js';

export class FunctionUpdateCommand extends FunctionSpecCommand {
  static override paths = [['function', 'update']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'Change a function’s code or settings (makes a new version)',
    details: `
      Every option is optional; only what is given changes. Any change makes a new immutable
      version, and new invocations run it. \`--env\` adds or replaces variables and keeps the
      others; \`--unset-env KEY\` removes one. \`--on-success\` / \`--on-failure\` change where
      outcomes are sent (not part of a version: alone, they make none).
    `,
    examples: [
      ['Upload new code', '$0 function update hello --code ./index.js'],
      ['Give it more memory and a longer timeout', '$0 function update hello --memory 256 --timeout 60'],
      ['Set one variable and drop another', '$0 function update hello --env LEVEL=debug --unset-env OLD_FLAG'],
      ['Send successes into the events with a routing key; stop sending failures', '$0 function update hello --on-success events:hello.done --on-failure none'],
    ],
  });

  name = Option.String({ name: 'name' });
  unsetEnv = annotate(Option.Array('--unset-env', { description: 'Remove an environment variable (repeatable)' }), { placeholder: 'KEY' });

  async run(): Promise<number> {
    const fields = this.specFields();
    const setEnv = this.envFields();
    const unset = this.unsetEnv ?? [];
    parseEnvPairs(unset.map((k) => `${k}=`), '--unset-env');
    const changesEnv = Object.keys(setEnv).length > 0 || unset.length > 0;
    const destinations = this.destinationFields();
    const changesDestinations = Object.keys(destinations).length > 0;
    if (this.code === undefined && Object.keys(fields).length === 0 && !changesEnv && !changesDestinations) {
      throw new UsageError('nothing to update: give --code and/or an option to change (see `fnstack function update --help`)');
    }
    const client = this.client();
    if (changesDestinations) {
      // Destinations are not part of a version: set apart, merged with the ones not given.
      const current = await client.getDestinations(this.name);
      const set = await client.putDestinations(this.name, withoutNone({ on_success: current.on_success, on_failure: current.on_failure, ...destinations }));
      if (this.code === undefined && Object.keys(fields).length === 0 && !changesEnv) {
        if (this.json) this.outJson(set);
        else this.out(`updated the destinations of ${this.name}: on success ${describe(set.on_success)}, on failure ${describe(set.on_failure)}`);
        return 0;
      }
    }
    if (changesEnv) {
      // PATCH replaces the env map as a whole, so merge with what the function has now.
      const current = await client.getFunction(this.name);
      const env = { ...current.env, ...setEnv };
      for (const key of unset) delete env[key];
      fields.env = env;
    }
    const code = await this.loadCode();
    const fn = await this.withProgress(code, (onProgress) => client.updateFunction(this.name, fields, code, onProgress));
    this.printWarnings(fn);
    if (this.json) this.outJson(fn);
    else this.out(`updated function ${fn.name}: now version ${fn.version} (${fn.runtime}, ${fn.code.format}, ${humanSize(fn.code.size_bytes)})`);
    return 0;
  }
}

function describe(d: Destination | null): string {
  if (!d) return 'none';
  return d.kind === 'url' ? d.url : d.routing_key ? `events:${d.routing_key}` : 'events';
}
