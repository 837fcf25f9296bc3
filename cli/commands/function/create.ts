import { Command, Option } from 'clipanion';
import { annotate } from '../../command-spec.js';
import { humanSize } from '../../output/units.js';
import { CODE_OPTIONS, FunctionSpecCommand, withoutNone } from './spec-options.js';

export class FunctionCreateCommand extends FunctionSpecCommand {
  static override paths = [['function', 'create']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'Create a function from a file, an archive or a directory',
    details: `
      Uploads the code and declares how the function runs. \`--code\` takes one .js/.mjs/.cjs
      file, a .zip or .tar.gz archive (with package.json and node_modules if it needs them), or a
      directory, which is packed into a .tar.gz first (.git and .fnstack are left out).

      The service's defaults apply to every resource not given: 128 MiB, 1 vCPU, 1 GiB disk, 30 s.
    `,
    examples: [
      ['Create a function from one file', '$0 function create hello --runtime nodejs20 --handler index.handler --code ./index.js'],
      ['From a project directory, with more memory and a variable', '$0 function create resize --runtime nodejs20 --handler src/main.handler --code ./resize --memory 512 --env SIZE=128'],
      ['From an archive, without network access', '$0 function create report --runtime nodejs20 --handler index.run --code report.zip --no-network --timeout 120'],
      ['Send failures to a URL, successes to the events (where triggers run other functions)', '$0 function create resize --runtime nodejs20 --handler index.handler --code ./resize --on-failure https://ops.example/hooks/fnstack --on-success events'],
    ],
  });

  // Optional for update, required here.
  override runtime = annotate(Option.String(CODE_OPTIONS.runtime.flag, { required: true, description: CODE_OPTIONS.runtime.description }), CODE_OPTIONS.runtime);
  override handler = annotate(Option.String(CODE_OPTIONS.handler.flag, { required: true, description: CODE_OPTIONS.handler.description }), CODE_OPTIONS.handler);
  override code = annotate(Option.String(CODE_OPTIONS.code.flag, { required: true, description: CODE_OPTIONS.code.description }), CODE_OPTIONS.code);
  name = Option.String({ name: 'name' });

  async run(): Promise<number> {
    const fields = this.specFields();
    const env = this.envFields();
    const destinations = this.destinationFields();
    const client = this.client();
    const code = (await this.loadCode())!;

    const metadata = { name: this.name, ...fields, ...(Object.keys(env).length > 0 ? { env } : {}) };
    const fn = await this.withProgress(code, (onProgress) => client.createFunction(metadata, code, onProgress));
    if (Object.values(destinations).some((d) => d)) {
      try {
        await client.putDestinations(fn.name, withoutNone(destinations));
      } catch (err) {
        this.err(`created function ${fn.name}, but its destinations were not set:`);
        throw err;
      }
    }
    this.printWarnings(fn);
    if (this.json) this.outJson(fn);
    else this.out(`created function ${fn.name} version ${fn.version} (${fn.runtime}, ${fn.code.format}, ${humanSize(fn.code.size_bytes)})`);
    return 0;
  }
}
