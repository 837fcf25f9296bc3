import { homedir } from 'node:os';
import { Command, Option, UsageError } from 'clipanion';
import { ApiClient } from '../api-client.js';
import { ApiCommand } from '../base-command.js';
import { annotate } from '../command-spec.js';
import { readCredentialsFile } from '../credentials.js';
import { CliError } from '../errors.js';
import { loginStore, type LoginStore } from '../login-store.js';
import type { Profile as StoredLogin } from '../profiles.js';
import { askSecret } from '../prompt.js';
import type { Me } from './account/shapes.js';

export class LoginCommand extends ApiCommand {
  static override paths = [['login']];

  static override usage = Command.Usage({
    category: 'Setup',
    description: 'Check and store the credentials for later commands: an API key, or a Keystone login',
    details: `
      Built-in accounts: verifies the API key against the service, then writes endpoint and key
      (readable by you only) to \`$XDG_CONFIG_HOME/fnstack/credentials.json\` (default
      \`~/.config/fnstack/credentials.json\`; \`$FNSTACK_CONFIG_DIR/credentials.json\` when set) —
      or, with \`--profile NAME\` (or FNSTACK_PROFILE, or a current profile), to that profile of
      \`profiles.yaml\` in the same directory (see \`fnstack profile\`). Values not given are taken from the environment or a
      credentials file found as usual (e.g. \`./.fnstack/credentials.json\` next to a running
      \`fnstack server\`); on a terminal the API key is asked for if none is found.

      Keystone (a service in keystone auth mode): given \`--os-auth-url\` (or OS_AUTH_URL), logs in
      with a password (OS_USERNAME, OS_PASSWORD — asked for on a terminal —, OS_PROJECT_NAME,
      OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME) or an application credential
      (OS_APPLICATION_CREDENTIAL_ID / _SECRET), takes the fnstack endpoint from the catalog
      (service type \`function\`) unless \`--endpoint\` says otherwise, and stores the token. The
      password is never stored: run \`fnstack login\` again when the token expires. An application
      credential is stored (0600) so that a plain \`fnstack login\` renews the token.
    `,
    examples: [
      ['Log in to a remote service with an API key', '$0 login --endpoint https://fnstack.example.org --api-key fsk_…'],
      ['Keep the credentials of a local server for use from anywhere', '$0 login'],
      ['Keystone, with the variables of an openrc file', '. demo-openrc && $0 login'],
      ['A second service, as a profile', '$0 login --profile prod --endpoint https://fnstack.example.org --api-key fsk_…'],
      ['Keystone, application credential', '$0 login --os-auth-url https://keystone/v3 --os-application-credential-id ID --os-application-credential-secret S'],
    ],
  });

  osAuthUrl = annotate(Option.String('--os-auth-url', { description: 'Keystone v3 URL (else OS_AUTH_URL): log in with Keystone' }), { placeholder: 'URL' });
  osUsername = Option.String('--os-username', { description: 'Keystone user (else OS_USERNAME)' });
  osProjectName = Option.String('--os-project-name', { description: 'project to scope the token to (else OS_PROJECT_NAME)' });
  osUserDomain = Option.String('--os-user-domain-name', { description: 'default OS_USER_DOMAIN_NAME or Default' });
  osProjectDomain = Option.String('--os-project-domain-name', { description: 'default OS_PROJECT_DOMAIN_NAME or Default' });
  osAppCredId = Option.String('--os-application-credential-id', { description: 'application credential id (else OS_APPLICATION_CREDENTIAL_ID)' });
  osAppCredSecret = Option.String('--os-application-credential-secret', { description: 'its secret (else OS_APPLICATION_CREDENTIAL_SECRET)' });
  osInterface = annotate(Option.String('--os-interface', { description: 'catalog interface for the fnstack endpoint: public (default), internal, admin' }), { placeholder: 'public|internal|admin' });
  osRegion = Option.String('--os-region-name', { description: 'catalog region (else OS_REGION_NAME)' });

  async run(): Promise<number> {
    const store = loginStore(this.profile, this.env, homedir());
    const previous = store.read();
    const authUrl = this.osAuthUrl ?? this.env.OS_AUTH_URL ?? (this.apiKey || this.env.FNSTACK_API_KEY ? undefined : previous.os_auth_url);
    if (authUrl && !this.apiKey) return this.keystoneLogin(authUrl, store, previous);
    return this.apiKeyLogin(store);
  }

  private async apiKeyLogin(store: LoginStore): Promise<number> {
    // A profile being created has nothing to read yet: take the values from elsewhere.
    const found = this.credentials({ useProfiles: store.exists });
    let apiKey = found.apiKey;
    if (apiKey === null) {
      const stdin = this.context.stdin as NodeJS.ReadStream;
      if (!stdin.isTTY) throw new CliError('no API key given: pass --api-key or set FNSTACK_API_KEY (or --os-auth-url for a Keystone login)');
      apiKey = (await askSecret(stdin, this.context.stderr, `API key for ${found.endpoint}: `)).trim();
      if (!apiKey) throw new CliError('no API key given');
    }

    const me = await new ApiClient({ endpoint: found.endpoint, apiKey, apiKeySource: found.apiKeySource ?? 'the prompt' }).request<Me>('GET', '/v1/accounts/me');

    const stored: StoredLogin = { endpoint: found.endpoint, api_key: apiKey, auth: 'api_key', account: me.name, project: me.project_name };
    // Keep who the key belongs to when it came from a service-written file.
    if (found.file && found.apiKeySource === found.file) {
      const { account, project } = readCredentialsFile(found.file);
      if (account) stored.account = account;
      if (project) stored.project = project;
    }
    this.save(store, stored);
    this.err(`as ${me.name} (${me.role}) in project ${me.project_name}`);
    return 0;
  }

  private save(store: LoginStore, login: StoredLogin): void {
    store.write(login);
    this.out(`logged in to ${login.endpoint}${login.auth === 'keystone' ? ' with Keystone' : ''}; credentials saved to ${store.where}`);
    if (store.profile && !store.isCurrent) {
      this.err(`use it with --profile ${store.profile} or FNSTACK_PROFILE=${store.profile}, or by default after \`fnstack profile use ${store.profile}\``);
    }
  }

  private async keystoneLogin(authUrl: string, store: LoginStore, previous: StoredLogin): Promise<number> {
    const env = this.env;
    const appId = this.osAppCredId ?? env.OS_APPLICATION_CREDENTIAL_ID ?? (this.osUsername || env.OS_USERNAME ? undefined : previous.os_application_credential_id);
    let credentials;
    if (appId) {
      const secret = this.osAppCredSecret ?? env.OS_APPLICATION_CREDENTIAL_SECRET ?? (appId === previous.os_application_credential_id ? previous.os_application_credential_secret : undefined);
      if (!secret) throw new UsageError('an application credential needs its secret: --os-application-credential-secret or OS_APPLICATION_CREDENTIAL_SECRET');
      credentials = { type: 'application_credential' as const, id: appId, secret };
    } else {
      const username = this.osUsername ?? env.OS_USERNAME;
      const projectName = this.osProjectName ?? env.OS_PROJECT_NAME;
      if (!username || !projectName) throw new UsageError('a Keystone login needs --os-username and --os-project-name (or OS_USERNAME, OS_PROJECT_NAME), or an application credential');
      let password = env.OS_PASSWORD;
      if (!password) {
        const stdin = this.context.stdin as NodeJS.ReadStream;
        if (!stdin.isTTY) throw new CliError('no password: set OS_PASSWORD (it is never stored)');
        password = await askSecret(stdin, this.context.stderr, `Keystone password for ${username}: `);
      }
      credentials = {
        type: 'password' as const,
        username,
        password,
        projectName,
        userDomainName: this.osUserDomain ?? env.OS_USER_DOMAIN_NAME ?? 'Default',
        projectDomainName: this.osProjectDomain ?? env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
      };
    }

    const { OpenStackSession, OpenStackError } = await import('../../service/openstack/index.js');
    const session = new OpenStackSession({ authUrl, credentials, requestTimeoutMs: 30_000 });
    let token;
    try {
      token = await session.token();
    } catch (err) {
      if (err instanceof OpenStackError) throw new CliError(`Keystone refused the login (${err.status}): ${err.message}`);
      throw err;
    }

    const iface = this.osInterface ?? env.OS_INTERFACE ?? 'public';
    const region = this.osRegion ?? env.OS_REGION_NAME;
    const endpoint = this.endpoint ?? env.FNSTACK_ENDPOINT ?? functionEndpoint(token.catalog, iface, region);
    if (!endpoint) throw new CliError(`the Keystone catalog has no '${iface}' endpoint of service type 'function'${region ? ` in ${region}` : ''}: pass --endpoint`);

    const me = await new ApiClient({ endpoint, apiKey: token.value, apiKeySource: 'Keystone' }).request<Me>('GET', '/v1/accounts/me');
    const stored: StoredLogin = {
      endpoint: endpoint.replace(/\/+$/, ''),
      api_key: token.value,
      auth: 'keystone',
      token_expires_at: token.expiresAt.toISOString(),
      account: me.name,
      project: me.project_name,
      os_auth_url: authUrl,
      ...(credentials.type === 'application_credential' ? { os_application_credential_id: credentials.id, os_application_credential_secret: credentials.secret } : {}),
    };
    this.save(store, stored);
    this.err(`as ${me.name} (${me.role}) in project ${me.project_name}; the token expires ${stored.token_expires_at}` + (credentials.type === 'application_credential' ? ' (run `fnstack login` to renew it)' : ' (then run `fnstack login` again)'));
    return 0;
  }
}

/** The fnstack endpoint from a token's catalog: service type `function`. */
function functionEndpoint(catalog: ReadonlyArray<{ type: string; endpoints: ReadonlyArray<{ interface: string; url: string; region?: string | null; region_id?: string | null }> }>, iface: string, region: string | undefined): string | null {
  for (const service of catalog) {
    if (service.type !== 'function') continue;
    const e = service.endpoints.find((x) => x.interface === iface && (!region || x.region_id === region || x.region === region));
    if (e) return e.url;
  }
  return null;
}
