import { Command } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { FUNCTION_COLUMNS, functionTable } from '../../output/function-view.js';

export class FunctionListCommand extends ReadCommand {
  static override paths = [['function', 'list'], ['function', 'ls']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'List the functions of the project',
    examples: [
      ['List functions', '$0 function list'],
      ['As JSON, for scripts', '$0 function list --json'],
      ['Only the names, one a line', '$0 function list -f value -c name'],
    ],
  });

  async run(): Promise<number> {
    const output = this.output();
    const functions = await this.client().listFunctions();
    this.printList(
      functions,
      { table: () => functionTable(functions), valueColumns: FUNCTION_COLUMNS, empty: 'no functions yet: create one with `fnstack function create`' },
      output,
    );
    return 0;
  }
}
