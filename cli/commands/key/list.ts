import { Command, Option } from 'clipanion';
import { ReadCommand } from '../../base-command.js';
import { formatTable } from '../../output/table.js';
import { findAccount, when, type KeyInfo } from '../account/shapes.js';
import { annotate } from '../../command-spec.js';

export class KeyListCommand extends ReadCommand {
  static override paths = [['key', 'list'], ['key', 'ls']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: "List API keys (never their secrets): yours, or — project admins — the project's",
    examples: [
      ['Your keys', '$0 key list'],
      ["One account's keys", '$0 key list --account ci-bot'],
    ],
  });

  account = annotate(Option.String('--account', { description: 'account name or id' }), { placeholder: 'ACCOUNT' });

  async run(): Promise<number> {
    const output = this.output();
    const client = this.client();
    const accountId = this.account ? (await findAccount(client, this.account)).id : undefined;
    const { items } = await client.request<{ items: KeyInfo[] }>('GET', '/v1/keys', { query: { account_id: accountId } });
    const table = () =>
      formatTable(
        ['ID', 'ACCOUNT', 'STATUS', 'DESCRIPTION', 'CREATED', 'EXPIRES', 'LAST USED'],
        items.map((k) => [k.id, k.account_name, k.status, k.description ?? '', when(k.created_at), when(k.expires_at), when(k.last_used_at)]),
      );
    this.printList(items, { table, valueColumns: ['id', 'account_name', 'status', 'description', 'created_at', 'expires_at', 'last_used_at'], empty: 'no keys' }, output);
    return 0;
  }
}
