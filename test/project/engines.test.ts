/**
 * package.json's `engines.node` is a promise to operators: every package the service runs
 * with (the production dependency tree in package-lock.json) must accept the oldest Node it names.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';

const REPO = resolve(import.meta.dirname, '../../..');

interface LockPackage { dev?: boolean; engines?: { node?: string } | string[] }

test('every production dependency accepts the oldest Node that engines.node admits', (t) => {
  const pkg = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
  const oldest = semver.minVersion(pkg.engines.node);
  t.truthy(oldest, `engines.node '${pkg.engines.node}' names no version`);
  const lock = JSON.parse(readFileSync(resolve(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> };
  const refusing = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && !p.dev && !Array.isArray(p.engines) && p.engines?.node)
    .filter(([, p]) => !semver.satisfies(oldest!, (p.engines as { node: string }).node))
    .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')} wants node ${(p.engines as { node: string }).node}`);
  t.deepEqual(refusing, [], `these need a newer Node than ${oldest!.version}: raise engines.node or pin them (package.json overrides)`);
});

test('the Node running the tests is one engines.node admits', (t) => {
  const pkg = JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
  t.true(semver.satisfies(process.version, pkg.engines.node), `${process.version} vs ${pkg.engines.node}`);
});
