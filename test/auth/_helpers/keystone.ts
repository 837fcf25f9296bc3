/**
 * Tokens from the real Keystone of test/cloud (cloud.json). Test files call
 * `withKeystone(register)`: without the cloud the file FAILS under CI=true and is skipped
 * with a loud message elsewhere (test/_helpers/requirements.ts policy).
 */
import test from 'ava';
import { OpenStackSession } from '../../../service/openstack/index.js';
import { CLOUD_JSON, loadCloud, passwordCredentials, type CloudUser, type TestCloud } from '../../openstack/_helpers/cloud.js';

export type KeystoneCloud = TestCloud & { demo_reader: CloudUser };

export function withKeystone(register: (cloud: KeystoneCloud) => void): void {
  const cloud = loadCloud() as KeystoneCloud | null;
  if (!cloud) {
    const message = `\n!!! ${CLOUD_JSON} not found: Keystone auth tests NOT RUN. Build the cloud with test/cloud/setup.sh.\n`;
    if (process.env.CI === 'true') test('the test cloud is available (required in CI)', (t) => t.fail(message));
    else {
      console.warn(message);
      test.skip(`Keystone auth tests (no ${CLOUD_JSON})`, () => {});
    }
    return;
  }
  register(cloud);
}

/** A fresh project-scoped token for a cloud.json user (each call authenticates anew). */
export async function tokenFor(cloud: TestCloud, user: CloudUser): Promise<string> {
  const session = new OpenStackSession({ authUrl: cloud.auth_url, credentials: passwordCredentials(user), region: cloud.region, interface: cloud.interface });
  return (await session.token()).value;
}

/** Revokes a token in Keystone (a user may revoke their own token). */
export async function revokeToken(cloud: TestCloud, token: string): Promise<void> {
  const res = await fetch(`${cloud.auth_url.replace(/\/+$/, '')}/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token } });
  if (res.status !== 204) throw new Error(`revoking the token: HTTP ${res.status} ${await res.text()}`);
}
