import { homedir } from 'node:os';
import { Command } from 'clipanion';
import { ApiClient } from '../api-client.js';
import { ApiCommand } from '../base-command.js';
import { readCredentialsFile, userCredentialsPath, writeCredentialsFile, type CredentialsFile } from '../credentials.js';
import { CliError } from '../errors.js';
import { askSecret } from '../prompt.js';

export class LoginCommand extends ApiCommand {
  static override paths = [['login']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Check and store the endpoint and API key for later commands',
    details: `
      Verifies the credentials against the service, then writes them (readable by you only) to
      \`$XDG_CONFIG_HOME/fnstack/credentials.json\` (default \`~/.config/fnstack/credentials.json\`).
      Values not given are taken from the environment or a credentials file found as usual
      (e.g. \`./.fnstack/credentials.json\` next to a running \`fnstack server\`); on a terminal
      the API key is asked for if none is found.
    `,
    examples: [
      ['Log in to a remote service', '$0 login --endpoint https://fnstack.example.org --api-key fsk_…'],
      ['Keep the credentials of a local server for use from anywhere', '$0 login'],
    ],
  });

  async run(): Promise<number> {
    const found = this.credentials();
    let apiKey = found.apiKey;
    if (apiKey === null) {
      const stdin = this.context.stdin as NodeJS.ReadStream;
      if (!stdin.isTTY) throw new CliError('no API key given: pass --api-key or set FNSTACK_API_KEY');
      apiKey = (await askSecret(stdin, this.context.stderr, `API key for ${found.endpoint}: `)).trim();
      if (!apiKey) throw new CliError('no API key given');
    }

    await new ApiClient({ endpoint: found.endpoint, apiKey, apiKeySource: found.apiKeySource ?? 'the prompt' }).listRuntimes();

    const stored: CredentialsFile = { endpoint: found.endpoint, api_key: apiKey };
    // Keep who the key belongs to when it came from a service-written file.
    if (found.file && found.apiKeySource === found.file) {
      const { account, project } = readCredentialsFile(found.file);
      if (account) stored.account = account;
      if (project) stored.project = project;
    }
    const path = userCredentialsPath(this.env, homedir());
    writeCredentialsFile(path, stored);
    this.out(`logged in to ${found.endpoint}; credentials saved to ${path}`);
    return 0;
  }
}
