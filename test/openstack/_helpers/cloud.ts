/**
 * The real test cloud (Keystone, Nova with the fake driver, Glance on 127.0.0.1) that
 * test/cloud/setup.sh builds and describes in cloud.json. Contract test files call
 * `withCloud(register)`: with the cloud, `register` declares the tests; without it the file
 * FAILS under CI=true and is skipped with a loud message elsewhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import test from 'ava';
import { OpenStackSession, type PasswordCredentials, type SessionOptions } from '../../../service/openstack/index.js';
import { SpecValidator } from './spec-validator.js';

export const CLOUD_JSON = process.env.FNSTACK_TEST_CLOUD_JSON ?? '/var/lib/fnstack-test-cloud/cloud.json';

export interface CloudUser {
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
  roles: string[];
}

/** The part of cloud.json (schema_version 1) these tests read. */
export interface TestCloud {
  auth_url: string;
  region: string;
  interface: 'public' | 'internal' | 'admin';
  admin: CloudUser;
  demo: CloudUser;
  demo2: CloudUser;
  fnstack_service: CloudUser;
  project_ids: Record<'admin' | 'demo' | 'demo2' | 'service', string>;
  user_ids: Record<string, string>;
  flavors: { name: string; id: string; ram: number; vcpus: number; disk: number }[];
  image: { id: string; name: string; properties: Record<string, string> };
  endpoints: { identity: string; compute: string; image: string } & Record<string, string>;
}

export interface CloudContext {
  cloud: TestCloud;
  /** Shared by every session of the file; each response is checked against the specs. */
  validator: SpecValidator;
  /** A session for a cloud.json user, with the spec validator installed. */
  session(user: CloudUser, options?: Partial<SessionOptions>): OpenStackSession;
}

export function loadCloud(): TestCloud | null {
  if (!existsSync(CLOUD_JSON)) return null;
  return JSON.parse(readFileSync(CLOUD_JSON, 'utf8')) as TestCloud;
}

export function passwordCredentials(user: CloudUser): PasswordCredentials {
  return {
    type: 'password',
    username: user.username,
    password: user.password,
    userDomainName: user.user_domain_name,
    projectName: user.project_name,
    projectDomainName: user.project_domain_name,
  };
}

export function withCloud(register: (ctx: CloudContext) => void): void {
  const cloud = loadCloud();
  if (!cloud) {
    const message = `\n!!! ${CLOUD_JSON} not found: OpenStack contract tests NOT RUN. Build the cloud with test/cloud/setup.sh.\n`;
    if (process.env.CI === 'true') {
      test('the test cloud is available (required in CI)', (t) => t.fail(message));
    } else {
      console.warn(message);
      test.skip(`OpenStack contract tests (no ${CLOUD_JSON})`, () => {});
    }
    return;
  }
  const validator = new SpecValidator();
  register({
    cloud,
    validator,
    session: (user, options = {}) =>
      new OpenStackSession({
        authUrl: cloud.auth_url,
        credentials: passwordCredentials(user),
        region: cloud.region,
        interface: cloud.interface,
        ...options,
        middleware: [validator.middleware(), ...(options.middleware ?? [])],
      }),
  });
}
