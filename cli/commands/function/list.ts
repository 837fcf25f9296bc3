import { Command } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { functionTable } from '../../output/function-view.js';

export class FunctionListCommand extends ReadCommand {
  static override paths = [['function', 'list'], ['function', 'ls']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'List the functions of the project',
    examples: [
      ['List functions', '$0 function list'],
      ['As JSON, for scripts', '$0 function list --json'],
    ],
  });

  async run(): Promise<number> {
    const functions = await this.client().listFunctions();
    if (this.json) this.outJson(functions);
    else if (functions.length === 0) this.err('no functions yet: create one with `fnstack function create`');
    else this.out(functionTable(functions));
    return 0;
  }
}
