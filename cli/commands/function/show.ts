import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { functionDetails } from '../../output/function-view.js';

export class FunctionShowCommand extends ReadCommand {
  static override paths = [['function', 'show']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'Show a function’s current version and settings',
    examples: [
      ['Show a function', '$0 function show hello'],
      ['Its environment as JSON', '$0 function show hello --json'],
      ['Only its version and code digest', '$0 function show hello -f value -c version -c code.sha256'],
    ],
  });

  name = Option.String({ name: 'name' });

  async run(): Promise<number> {
    const output = this.output();
    const fn = await this.client().getFunction(this.name);
    this.printOne(fn, () => functionDetails(fn), output);
    return 0;
  }
}
