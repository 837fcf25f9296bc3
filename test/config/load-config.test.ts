/**
 * loadConfig: the one place configuration is read. A key nothing reads fails the start and
 * is named (with the known key it resembles); loading writes nothing to disk.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, persistSecretsKey } from '../../service/config.js';
import { ConfigError } from '../../service/errors.js';
import { canonicalCidr } from '../../service/cidr.js';

function dataDirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fnstack-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'config.yaml'), yaml);
  return dir;
}

test('a misspelt key in config.yaml fails the start, naming it and the key it resembles', (t) => {
  const dir = dataDirWith('prot: 9999\n');
  const err = t.throws(() => loadConfig({ FNSTACK_DATA_DIR: dir }), { instanceOf: ConfigError });
  t.is(err?.key, 'prot');
  t.regex(err!.message, /unknown key.*'prot' \(did you mean 'port'\?\)/);
});

test('every unknown key is named at once; one unlike any known key gets no suggestion', (t) => {
  const dir = dataDirWith('port: 7701\nworker_concurency: 3\nfavourite_colour: blue\n');
  const err = t.throws(() => loadConfig({ FNSTACK_DATA_DIR: dir }), { instanceOf: ConfigError });
  t.regex(err!.message, /'worker_concurency' \(did you mean 'worker_concurrency'\?\)/);
  t.regex(err!.message, /'favourite_colour'(?! \(did)/);
});

test('known keys are accepted even when the environment or an override wins over them', (t) => {
  const dir = dataDirWith('port: 7701\nhost: 127.0.0.1\nworker_concurrency: 3\nos_region: Two\ntrigger_broker_deny: [10.0.0.0/8]\n');
  const config = loadConfig({ FNSTACK_DATA_DIR: dir, FNSTACK_WORKER_CONCURRENCY: '5' }, { port: 0 });
  t.is(config.port, 0);
  t.is(config.execution.concurrency, 5);
  t.deepEqual(config.triggers.brokerDeny, ['10.0.0.0/8']);
});

test('the OpenStack keys count as known whichever credential type is chosen', (t) => {
  const dir = dataDirWith('os_username: u\nos_password: p\nos_project_name: p\nos_pool_size: 2\n');
  const config = loadConfig({ FNSTACK_DATA_DIR: dir });
  t.is(config.openstack, null); // no os_auth_url: the cloud is not configured, yet nothing is unknown
});

test('an invalid value still names its key', (t) => {
  const dir = dataDirWith('port: seventy\n');
  const err = t.throws(() => loadConfig({ FNSTACK_DATA_DIR: dir }), { instanceOf: ConfigError });
  t.is(err?.key, 'port');
});

test('loading the configuration writes nothing; persistSecretsKey writes the key once and every later load reads it', (t) => {
  const dir = dataDirWith();
  const first = loadConfig({ FNSTACK_DATA_DIR: dir });
  t.true(first.secretsKeyUnsaved);
  t.false(existsSync(join(dir, 'secrets.key')));
  const saved = persistSecretsKey(first);
  t.false(saved.secretsKeyUnsaved);
  t.is(readFileSync(join(dir, 'secrets.key'), 'utf8').trim(), saved.secretsKey);
  const again = loadConfig({ FNSTACK_DATA_DIR: dir });
  t.false(again.secretsKeyUnsaved);
  t.is(again.secretsKey, saved.secretsKey);
});

test('when two starts generate a key at once, the one on disk wins for both', (t) => {
  const dir = dataDirWith();
  const a = loadConfig({ FNSTACK_DATA_DIR: dir });
  const b = loadConfig({ FNSTACK_DATA_DIR: dir });
  t.not(a.secretsKey, b.secretsKey);
  const savedA = persistSecretsKey(a);
  const savedB = persistSecretsKey(b);
  t.is(savedB.secretsKey, savedA.secretsKey);
});

test('sandbox_egress_deny: CIDR ranges in their canonical spelling; anything else names the key', (t) => {
  const config = loadConfig({ FNSTACK_DATA_DIR: dataDirWith(), FNSTACK_SANDBOX_EGRESS_DENY: '10.1.2.3/8, FD00:0:0::/8,192.0.2.7' });
  t.deepEqual(config.sandboxEgressDeny, ['10.0.0.0/8', 'fd00::/8', '192.0.2.7/32']);
  t.deepEqual(loadConfig({ FNSTACK_DATA_DIR: dataDirWith('sandbox_egress_deny: [172.16.0.0/12]\n') }).sandboxEgressDeny, ['172.16.0.0/12']);
  for (const bad of ['10.0.0.0/33', 'mgmt.example.com', '10.0.0.0/8/1', 'fd00::/129']) {
    const err = t.throws(() => loadConfig({ FNSTACK_DATA_DIR: dataDirWith(), FNSTACK_SANDBOX_EGRESS_DENY: bad }), { instanceOf: ConfigError });
    t.is(err?.key, 'sandbox_egress_deny', bad);
  }
});

test('CIDR ranges compare in one spelling: host bits cleared, IPv6 compressed as RFC 5952 writes it', (t) => {
  t.is(canonicalCidr('10.1.2.3/8')?.text, '10.0.0.0/8');
  t.is(canonicalCidr('10.1.2.3')?.text, '10.1.2.3/32');
  t.is(canonicalCidr('FD00:0000:0:0:0:0:0:1')?.text, 'fd00::1/128');
  t.is(canonicalCidr('2001:db8:0:0:1:0:0:1/128')?.text, '2001:db8::1:0:0:1/128');
  t.is(canonicalCidr('fe80::a9fe:a9fe/10')?.text, 'fe80::/10');
  t.is(canonicalCidr('::/0')?.text, '::/0');
  t.is(canonicalCidr('1:2:3:4:5:6:7:8')?.text, '1:2:3:4:5:6:7:8/128');
  t.is(canonicalCidr('1:0:3:4:5:6:7:8')?.text, '1:0:3:4:5:6:7:8/128', 'a single zero group is not compressed');
  for (const bad of ['', 'x', '10.0.0.0/', '::ffff:1.2.3.4', '10.0.0.0/8/8']) t.is(canonicalCidr(bad), null, bad);
});
