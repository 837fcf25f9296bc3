/** Chooses the authenticator from `config.auth.mode`. */
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { IdentityClient, OpenStackSession } from '../openstack/index.js';
import type { Store } from '../store/store.js';
import type { Authenticator } from './authenticator.js';
import { BuiltinAuthenticator } from './builtin-authenticator.js';
import { KeystoneAuthenticator } from './keystone-authenticator.js';

export function createAuthenticator(config: Readonly<Config>, store: Store): Authenticator {
  if (config.auth.mode === 'builtin') return new BuiltinAuthenticator(store.accounts);
  const os = config.openstack;
  if (!os) throw new ConfigError('os_auth_url', 'keystone auth needs FNSTACK_OS_AUTH_URL and the service credentials');
  const session = new OpenStackSession({
    authUrl: os.authUrl,
    credentials:
      os.credentials.type === 'application_credential'
        ? { type: 'application_credential', id: os.credentials.id, secret: os.credentials.secret }
        : {
            type: 'password',
            username: os.credentials.username,
            password: os.credentials.password,
            userDomainName: os.credentials.userDomainName,
            projectName: os.credentials.projectName,
            projectDomainName: os.credentials.projectDomainName,
          },
    region: os.region,
    interface: os.interface,
  });
  return new KeystoneAuthenticator(new IdentityClient(session), store.accounts);
}
