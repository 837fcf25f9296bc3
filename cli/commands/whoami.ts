import { Command } from 'clipanion';
import { ReadCommand } from '../base-command.js';
import type { Me } from './account/shapes.js';

/** `fnstack whoami`: the account, role and project the credentials act as (the project id prefixes AMQP routing keys). */
export class WhoamiCommand extends ReadCommand {
  static override paths = [['whoami']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Show who the credentials are: account, role, project name and id',
    details: 'The project id is what AMQP routing keys on the service broker start with (`<project_id>.<key>`).',
    examples: [
      ['Show the current identity', '$0 whoami'],
      ['As JSON', '$0 whoami --json'],
      ['Only the project id', '$0 whoami -f value -c project_id'],
    ],
  });

  async run(): Promise<number> {
    const output = this.output();
    const client = this.client();
    const me = await client.request<Me>('GET', '/v1/accounts/me');
    this.printOne({ ...me, endpoint: client.endpoint }, () => this.details(me, client.endpoint), output);
    return 0;
  }

  private details(me: Me, endpoint: string): string {
    const rows: Array<[string, string]> = [
      ['account', `${me.name} (${me.id})`],
      ['role', me.role + (me.service_admin ? ', service admin' : '')],
      ['project', me.project_name],
      ['project id', me.project_id],
      ['auth', me.auth_mode === 'keystone' ? 'Keystone token' : `API key ${me.key_id ?? ''}`.trim()],
      ['endpoint', endpoint],
    ];
    return rows.map(([k, v]) => `${k.padEnd(11)} ${v}`).join('\n');
  }
}
