import { Command, Option } from 'clipanion';
import { JsonCommand } from '../../base-command.js';
import { findAccount, parseDuration, type IssuedKeyInfo } from '../account/shapes.js';
import { annotate } from '../../command-spec.js';

export class KeyCreateCommand extends JsonCommand {
  static override paths = [['key', 'create']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'Create an API key (shown once): for yourself, or — project admins — for an account of the project',
    examples: [
      ['A key for yourself', '$0 key create --description laptop'],
      ['A key for CI that expires in 90 days', '$0 key create --account ci-bot --expires-in 90d'],
    ],
  });

  account = Option.String('--account', { description: 'account name or id (default: yourself)' });
  description = annotate(Option.String('--description', { description: 'what the key is for' }), { placeholder: 'TEXT' });
  expiresIn = annotate(Option.String('--expires-in', { description: 'lifetime: 90d, 12h, 3600 … (default: no expiry)' }), { placeholder: 'DURATION' });

  async run(): Promise<number> {
    const expires = parseDuration(this.expiresIn, '--expires-in');
    const client = this.client();
    const accountId = this.account ? (await findAccount(client, this.account)).id : undefined;
    const key = await client.request<IssuedKeyInfo>('POST', '/v1/keys', {
      json: { ...(accountId ? { account_id: accountId } : {}), ...(this.description ? { description: this.description } : {}), ...(expires ? { expires_in_s: expires } : {}) },
    });
    if (this.json) this.outJson(key);
    else {
      this.out(`created key ${key.id} for ${key.account_name}${key.expires_at ? `, expires ${key.expires_at}` : ''}`);
      this.out(`API key (shown only now; store it safely): ${key.key}`);
    }
    return 0;
  }
}
