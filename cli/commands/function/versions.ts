import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { VERSION_COLUMNS, versionTable } from '../../output/function-view.js';

export class FunctionVersionsCommand extends ReadCommand {
  static override paths = [['function', 'versions']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'List the immutable versions of a function',
    examples: [['List versions', '$0 function versions hello']],
  });

  name = Option.String({ name: 'name' });

  async run(): Promise<number> {
    const output = this.output();
    const { items } = await this.client().listVersions(this.name);
    this.printList(items, { table: () => versionTable([...items].sort((a, b) => b.version - a.version)), valueColumns: VERSION_COLUMNS }, output);
    return 0;
  }
}
