import { Command, Option, UsageError } from 'clipanion';
import { ApiCommand } from '../../base-command.js';
import { confirm } from '../../prompt.js';

export class TriggerDeleteCommand extends ApiCommand {
  static override paths = [['trigger', 'delete'], ['trigger', 'rm']];

  static override usage = Command.Usage({
    category: 'Triggers',
    description: 'Delete a trigger',
    details: 'Asks for confirmation on a terminal; elsewhere (scripts, CI) `--yes` is required.',
    examples: [['Delete without asking', '$0 trigger delete morning --yes']],
  });

  name = Option.String({ name: 'name' });
  yes = Option.Boolean('--yes,-y', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    const client = this.client();
    const path = `/v1/triggers/${encodeURIComponent(this.name)}`;
    if (!this.yes) {
      const stdin = this.context.stdin as NodeJS.ReadStream;
      if (!stdin.isTTY) throw new UsageError(`refusing to delete '${this.name}' without --yes (not on a terminal)`);
      await client.request('GET', path);
      if (!(await confirm(stdin, this.context.stderr, `delete trigger '${this.name}'? [y/N] `))) {
        this.err('not deleted');
        return 1;
      }
    }
    await client.request('DELETE', path);
    this.out(`deleted trigger ${this.name}`);
    return 0;
  }
}
