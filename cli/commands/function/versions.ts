import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { versionTable } from '../../output/function-view.js';

export class FunctionVersionsCommand extends ReadCommand {
  static override paths = [['function', 'versions']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'List the immutable versions of a function',
    examples: [['List versions', '$0 function versions hello']],
  });

  name = Option.String({ name: 'name' });

  async run(): Promise<number> {
    const { items } = await this.client().listVersions(this.name);
    if (this.json) this.outJson(items);
    else this.out(versionTable([...items].sort((a, b) => b.version - a.version)));
    return 0;
  }
}
