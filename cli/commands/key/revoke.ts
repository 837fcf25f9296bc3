import { Command, Option, UsageError } from 'clipanion';
import { ApiCommand } from '../../base-command.js';
import { confirm } from '../../prompt.js';

export class KeyRevokeCommand extends ApiCommand {
  static override paths = [['key', 'revoke']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'Revoke an API key: it stops working at once',
    details: 'Asks for confirmation on a terminal; elsewhere `--yes` is required.',
    examples: [['Revoke a key', '$0 key revoke 3f2a9c0d1e2b4a5f --yes']],
  });

  id = Option.String({ name: 'key-id' });
  yes = Option.Boolean('--yes,-y', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    if (!this.yes) {
      const stdin = this.context.stdin as NodeJS.ReadStream;
      if (!stdin.isTTY) throw new UsageError(`refusing to revoke key ${this.id} without --yes (not on a terminal)`);
      if (!(await confirm(stdin, this.context.stderr, `revoke key ${this.id}? [y/N] `))) {
        this.err('not revoked');
        return 1;
      }
    }
    await this.client().request('DELETE', `/v1/keys/${encodeURIComponent(this.id)}`);
    this.out(`revoked key ${this.id}`);
    return 0;
  }
}
