/**
 * cloud.json without ava (test/openstack/_helpers/cloud.ts registers ava tests; the
 * benchmark and the guest harness must not load ava).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { PasswordCredentials } from '../../service/openstack/index.js';
import type { CloudUser, TestCloud } from '../openstack/_helpers/cloud.js';

export const CLOUD_JSON_PATH = process.env.FNSTACK_TEST_CLOUD_JSON ?? '/var/lib/fnstack-test-cloud/cloud.json';

export function loadCloud(): TestCloud | null {
  if (!existsSync(CLOUD_JSON_PATH)) return null;
  return JSON.parse(readFileSync(CLOUD_JSON_PATH, 'utf8')) as TestCloud;
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
