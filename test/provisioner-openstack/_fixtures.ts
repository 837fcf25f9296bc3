/**
 * Test-side entry for the openstack provider tests: `withOpenStack(register)` (the cloud is
 * required under CI=true, skipped loudly elsewhere) and everything of _os-service.ts.
 */
import test from 'ava';
import { CLOUD_JSON } from '../openstack/_helpers/cloud.js';
import type { TestCloud } from '../openstack/_helpers/cloud.js';
import { loadCloud } from './_cloud.js';

export * from './_os-service.js';

/** Registers the file's tests when the cloud is there; FAILS under CI=true without it, skips loudly otherwise. */
export function withOpenStack(register: (cloud: TestCloud) => void): void {
  const cloud = loadCloud();
  if (cloud) return register(cloud);
  const message = `\n!!! ${CLOUD_JSON} not found: openstack provider tests NOT RUN. Build the cloud with test/cloud/setup.sh.\n`;
  if (process.env.CI === 'true') test('the test cloud is available (required in CI)', (t) => t.fail(message));
  else {
    console.warn(message);
    test.skip(`openstack provider tests (no ${CLOUD_JSON})`, () => {});
  }
}
