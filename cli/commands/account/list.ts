import { Command, Option, UsageError } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { formatTable } from '../../output/table.js';
import { findProject, when, type AccountInfo } from './shapes.js';

export class AccountListCommand extends ReadCommand {
  static override paths = [['account', 'list'], ['account', 'ls']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: "List the accounts of your project (project admins), or of another (service admins)",
    examples: [
      ['Accounts of your project', '$0 account list'],
      ['Of another project', '$0 account list --project team-b'],
    ],
  });

  project = Option.String('--project', { description: 'project name or id (default: yours)' });

  async run(): Promise<number> {
    const output = this.output();
    const client = this.client();
    let projectId: string | undefined;
    if (this.project) {
      const p = await findProject(client, this.project);
      if (!p) throw new UsageError(`no project '${this.project}'`);
      projectId = p.id;
    }
    const { items } = await client.request<{ items: AccountInfo[] }>('GET', '/v1/accounts', { query: { project_id: projectId } });
    const table = () => formatTable(['ID', 'NAME', 'ROLE', 'PROJECT', 'CREATED'], items.map((a) => [a.id, a.name, a.role, a.project_name, when(a.created_at)]));
    this.printList(items, { table, valueColumns: ['id', 'name', 'role', 'project_name', 'created_at'], empty: 'no accounts' }, output);
    return 0;
  }
}
