import { Command, Option, UsageError } from 'clipanion';
import { JsonCommand } from '../../base-command.js';
import { parseChoice } from '../../input.js';
import { findProject, parseDuration, type AccountInfo, type IssuedKeyInfo, type ProjectInfo } from './shapes.js';
import { annotate } from '../../command-spec.js';

export class AccountCreateCommand extends JsonCommand {
  static override paths = [['account', 'create']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'Create a built-in account and its first API key (shown once)',
    details: `
      Project admins create accounts in their own project. Service admins (admins of the
      \`admin\` project created on first start) may name another project with \`--project\`,
      and \`--create-project\` creates it first if it does not exist.
    `,
    examples: [
      ['A member of your project', '$0 account create alice'],
      ['A reader whose key expires in 30 days', '$0 account create ci-bot --role reader --key-expires-in 30d'],
      ['An admin of a new project (service admins)', '$0 account create bob --role admin --project team-b --create-project'],
    ],
  });

  name = Option.String({ name: 'name' });
  role = annotate(Option.String('--role', { description: 'admin, member (default) or reader' }), { placeholder: 'admin|member|reader' });
  project = Option.String('--project', { description: 'project name or id (default: yours)' });
  createProject = Option.Boolean('--create-project', false, { description: 'create the --project first if it does not exist (service admins)' });
  noKey = Option.Boolean('--no-key', false, { description: 'create the account without an API key' });
  keyExpiresIn = annotate(Option.String('--key-expires-in', { description: 'lifetime of the key: 90d, 12h, 3600 …' }), { placeholder: 'DURATION' });

  async run(): Promise<number> {
    const role = parseChoice(this.role, '--role', ['admin', 'member', 'reader'] as const) ?? 'member';
    const expires = parseDuration(this.keyExpiresIn, '--key-expires-in');
    if (this.createProject && !this.project) throw new UsageError('--create-project needs --project NAME');
    const client = this.client();
    let project: ProjectInfo | null = null;
    if (this.project) {
      project = await findProject(client, this.project);
      if (!project && this.createProject) project = await client.request<ProjectInfo>('POST', '/v1/projects', { json: { name: this.project } });
      if (!project) throw new UsageError(`no project '${this.project}' (service admins may add --create-project)`);
    }
    const created = await client.request<AccountInfo & { api_key: IssuedKeyInfo | null }>('POST', '/v1/accounts', {
      json: { name: this.name, role, ...(project ? { project_id: project.id } : {}), issue_key: !this.noKey, ...(expires ? { key_expires_in_s: expires } : {}) },
    });
    if (this.json) {
      this.outJson(created);
      return 0;
    }
    this.out(`created account ${created.name} (${created.role}) in project ${created.project_name} [${created.id}]`);
    if (created.api_key) {
      this.out(`API key (shown only now; store it safely): ${created.api_key.key}`);
      this.err(`use it with: fnstack login --endpoint ${client.endpoint} --api-key <key>`);
    }
    return 0;
  }
}
