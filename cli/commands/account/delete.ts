import { Command, Option, UsageError } from 'clipanion';
import { ApiCommand } from '../../base-command.js';
import { confirm } from '../../prompt.js';
import { findAccount, findProject } from './shapes.js';

export class AccountDeleteCommand extends ApiCommand {
  static override paths = [['account', 'delete'], ['account', 'rm']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'Delete an account and its API keys (they stop working at once)',
    details: 'Asks for confirmation on a terminal; elsewhere `--yes` is required.',
    examples: [
      ['Delete by name', '$0 account delete alice'],
      ['In another project, without asking (service admins)', '$0 account delete bob --project team-b --yes'],
    ],
  });

  account = Option.String({ name: 'name-or-id' });
  project = Option.String('--project', { description: 'project name or id (default: yours)' });
  yes = Option.Boolean('--yes,-y', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    const client = this.client();
    let projectId: string | undefined;
    if (this.project) {
      const p = await findProject(client, this.project);
      if (!p) throw new UsageError(`no project '${this.project}'`);
      projectId = p.id;
    }
    const account = await findAccount(client, this.account, projectId);
    if (!this.yes) {
      const stdin = this.context.stdin as NodeJS.ReadStream;
      if (!stdin.isTTY) throw new UsageError(`refusing to delete account '${account.name}' without --yes (not on a terminal)`);
      if (!(await confirm(stdin, this.context.stderr, `delete account '${account.name}' and its API keys? [y/N] `))) {
        this.err('not deleted');
        return 1;
      }
    }
    await client.request('DELETE', `/v1/accounts/${encodeURIComponent(account.id)}`);
    this.out(`deleted account ${account.name}`);
    return 0;
  }
}
