import { Command } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { formatTable } from '../../output/table.js';

export class RuntimeListCommand extends ReadCommand {
  static override paths = [['runtime', 'list'], ['runtime', 'ls']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'List the runtimes functions can use',
    examples: [['List runtimes', '$0 runtime list']],
  });

  async run(): Promise<number> {
    const output = this.output();
    const { items } = await this.client().listRuntimes();
    const table = () => formatTable(['NAME', 'LANGUAGE', 'VERSION', 'DEFAULT'], items.map((r) => [r.name, r.language, r.version, r.default ? 'yes' : '']));
    this.printList(items, { table, valueColumns: ['name', 'language', 'version', 'default'] }, output);
    return 0;
  }
}
