import { Command, Option, UsageError } from 'clipanion';
import { ApiCommand } from '../../base-command.js';
import { confirm } from '../../prompt.js';

export class FunctionDeleteCommand extends ApiCommand {
  static override paths = [['function', 'delete'], ['function', 'rm']];

  static override usage = Command.Usage({
    category: 'Functions',
    description: 'Delete a function and all its versions',
    details: 'Asks for confirmation on a terminal; elsewhere (scripts, CI) `--yes` is required.',
    examples: [
      ['Delete, asking first', '$0 function delete hello'],
      ['Delete without asking', '$0 function delete hello --yes'],
    ],
  });

  name = Option.String({ name: 'name' });
  yes = Option.Boolean('--yes,-y', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    const client = this.client();
    if (!this.yes) {
      const stdin = this.context.stdin as NodeJS.ReadStream;
      if (!stdin.isTTY) throw new UsageError(`refusing to delete '${this.name}' without --yes (not on a terminal)`);
      await client.getFunction(this.name);
      if (!(await confirm(stdin, this.context.stderr, `delete function '${this.name}' and all its versions? [y/N] `))) {
        this.err('not deleted');
        return 1;
      }
    }
    await client.deleteFunction(this.name);
    this.out(`deleted function ${this.name}`);
    return 0;
  }
}
