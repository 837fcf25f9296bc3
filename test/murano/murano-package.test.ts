/**
 * murano-package/: the Murano package that installs fnstack from the App Catalog.
 *  (a) build.sh is deterministic and murano-pkg-check finds nothing (no ignored codes);
 *  (b) static agreement: ui.yaml ⇔ the class's properties, every property has a Contract,
 *      manifest ⇔ Classes/, every referenced script exists and passes bash -n + shellcheck;
 *  (c) the real murano-api (test cloud, --with-murano): import over REST, list, classes, UI
 *      form, logo, delete;
 *  (d) the Resources scripts for real: RegisterKeystone.sh against the real Keystone
 *      (throwaway service/region, removed again), InstallMariaDB.sh / InstallRabbitMQ.sh on
 *      the machine's servers (throwaway database/vhost, dropped again), and DeployFnstack.sh
 *      from the run's prebuilt release (murano-package/build-release.sh) into a scratch prefix,
 *      on those back ends, with the pid-file fallback (no systemd here), answering /health.
 * Needs root, the test cloud (`murano-package/test-setup.sh`); skips loudly without them,
 * fails under CI=true.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, chmod, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import amqp from 'amqplib';
import { reachable, requireService } from '../_helpers/requirements.js';
import { prebuiltRelease } from '../_helpers/release.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const PKG = join(ROOT, 'murano-package');
const SCRIPTS = join(PKG, 'Resources/scripts');
const CLOUD_JSON = '/var/lib/fnstack-test-cloud/cloud.json';
const isRoot = process.getuid?.() === 0;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const suffix = () => randomBytes(3).toString('hex');

function sh(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {}) {
  return run(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeout ?? 120_000, cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
}
async function script(name: string, args: string[], env?: NodeJS.ProcessEnv, timeout?: number) {
  return sh('bash', [join(SCRIPTS, name), ...args], { env, timeout });
}
const yamlOf = (path: string) => parseYaml(readFileSync(path, 'utf8')) as any;
function cloud(): any | null {
  return existsSync(CLOUD_JSON) ? JSON.parse(readFileSync(CLOUD_JSON, 'utf8')) : null;
}

async function build(out: string): Promise<Buffer> {
  await sh('bash', [join(PKG, 'build.sh'), out]);
  return readFile(out);
}

// ---- (a) build + murano-pkg-check ------------------------------------------------------------

test('build.sh is deterministic and murano-pkg-check finds no error and no warning', async (t) => {
  if (!requireService(t, 'murano-pkg-check (python3-murano-pkg-check)', has('murano-pkg-check'))) return;
  const dir = await mkdtemp('/tmp/fnstack-murano-build-');
  try {
    const a = await build(join(dir, 'a.zip'));
    const b = await build(join(dir, 'b.zip'));
    t.true(a.equals(b), 'two builds give the same bytes');
    const listing = (await sh('unzip', ['-Z1', join(dir, 'a.zip')])).stdout.trim().split('\n');
    t.deepEqual(listing.filter((f) => !/^(Classes|Resources|UI)\//.test(f)).sort(), ['LICENSE', 'logo.png', 'manifest.yaml']);
    // the default output path is what the README and the import steps use
    await sh('bash', [join(PKG, 'build.sh')]);
    t.true(existsSync(join(ROOT, 'dist/murano/io.fnstack.Fnstack.zip')));
    // Debian's /usr/bin/murano-pkg-check (py3 crashes on a directory: check the zip). No --ignore.
    const r = spawnSync('murano-pkg-check', [join(dir, 'a.zip')], { encoding: 'utf8' });
    t.is(r.status, 0, `murano-pkg-check: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /No errors found/);
    // and it does catch a broken package (the check is not vacuous)
    const broken = join(dir, 'broken');
    await sh('sh', ['-c', `mkdir -p ${broken} && cd ${broken} && unzip -q ${join(dir, 'a.zip')} && sed -i 's/^    Contract: \\$.string().notNull()$/    Default: x/' Classes/Fnstack.yaml && /usr/bin/python3 -c "import shutil; shutil.make_archive('${broken}', 'zip', '${broken}')"`]);
    const rb = spawnSync('murano-pkg-check', [`${broken}.zip`], { encoding: 'utf8' });
    t.not(rb.status, 0);
    t.regex(rb.stdout, /E047/, 'missing Contract is reported');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---- (b) static agreement --------------------------------------------------------------------

test('manifest, classes and ui.yaml agree; every property has a Contract', (t) => {
  const manifest = yamlOf(join(PKG, 'manifest.yaml'));
  t.is(manifest.FullName, 'io.fnstack.Fnstack');
  t.is(manifest.Type, 'Application');
  t.true('io.murano' in manifest.Require);
  const classFiles = readdirSync(join(PKG, 'Classes')).sort();
  t.deepEqual(Object.values(manifest.Classes as Record<string, string>).sort(), classFiles, 'manifest Classes ⇔ Classes/');

  const classes: Record<string, any> = {};
  for (const [fqn, file] of Object.entries(manifest.Classes as Record<string, string>)) {
    const c = yamlOf(join(PKG, 'Classes', file));
    t.is(`${c.Namespaces['=']}.${c.Name}`, fqn, `${file} declares ${fqn}`);
    for (const [prop, def] of Object.entries((c.Properties ?? {}) as Record<string, any>)) {
      t.truthy(def?.Contract, `${fqn}.${prop} has a Contract`);
    }
    classes[fqn] = c;
  }

  const app = classes['io.fnstack.Fnstack'];
  const props = app.Properties as Record<string, any>;
  const ui = yamlOf(join(PKG, 'UI/ui.yaml'));
  t.is(ui.Application['?'].type, 'io.fnstack.Fnstack');
  const mapped = Object.keys(ui.Application).filter((k) => k !== '?');
  for (const k of mapped) t.true(k in props, `ui.yaml sets ${k}, a property of the class`);
  for (const [k, def] of Object.entries(props)) {
    if (def.Usage === 'Out') continue;
    t.true(mapped.includes(k), `class property ${k} is set by ui.yaml`);
  }

  // every $.form.field the mapping reads is a field of that form, and every visible field is read
  const fields = new Map<string, Set<string>>();
  const hidden = new Set<string>();
  for (const form of ui.Forms as Record<string, any>[]) {
    for (const [name, def] of Object.entries(form)) {
      fields.set(name, new Set((def.fields as any[]).map((f) => f.name)));
      for (const f of def.fields as any[]) if (f.hidden) hidden.add(`${name}.${f.name}`);
      for (const f of def.fields as any[]) if (f.type === 'password') t.not(f.hidden, true, 'password fields are shown');
    }
  }
  const text = JSON.stringify({ a: ui.Application, t: ui.Templates });
  const used = new Set([...text.matchAll(/\$\.([A-Za-z]+)\.([A-Za-z]+)/g)].map((m) => `${m[1]}.${m[2]}`));
  for (const ref of used) {
    const [form, field] = ref.split('.') as [string, string];
    t.true(fields.get(form)?.has(field) ?? false, `ui.yaml reads ${ref}, which is a form field`);
  }
  for (const [form, names] of fields) {
    for (const f of names) if (!hidden.has(`${form}.${f}`)) t.true(used.has(`${form}.${f}`), `form field ${form}.${f} is used`);
  }
  t.is(ui.Forms.flatMap((f: any) => Object.values(f)).flatMap((d: any) => d.fields).find((f: any) => f.name === 'osPassword').type, 'password');

  // the instance mapping only sets properties LinuxMuranoInstance has (from the core library, if present)
  const core = '/var/lib/murano/io.murano/Classes/resources';
  if (existsSync(join(core, 'Instance.yaml'))) {
    const known = new Set(['LinuxMuranoInstance.yaml', 'LinuxInstance.yaml', 'Instance.yaml'].flatMap((f) =>
      existsSync(join(core, f)) ? Object.keys(yamlOf(join(core, f)).Properties ?? {}) : []));
    for (const k of Object.keys(ui.Application.instance).filter((k) => k !== '?')) t.true(known.has(k), `instance.${k} is a property of LinuxMuranoInstance`);
  }
});

test('every script the classes run exists, is used, and passes bash -n and shellcheck', async (t) => {
  const classText = readdirSync(join(PKG, 'Classes')).map((f) => readFileSync(join(PKG, 'Classes', f), 'utf8')).join('\n');
  const referenced = new Set([...classText.matchAll(/'([A-Za-z]+\.sh)'/g)].map((m) => m[1]!));
  const present = new Set(readdirSync(SCRIPTS));
  t.deepEqual([...referenced].sort(), [...present].sort(), 'Classes reference exactly the scripts in Resources/scripts');
  t.true(classText.includes("'RunScript.template'") && existsSync(join(PKG, 'Resources/RunScript.template')));
  const template = yamlOf(join(PKG, 'Resources/RunScript.template'));
  t.is(template.FormatVersion, '2.0.0');
  t.deepEqual(template.Scripts.run.Files, [template.Files.settings.Name]);
  const all = [...present].map((f) => join(SCRIPTS, f)).concat([join(PKG, 'build.sh'), join(PKG, 'test-setup.sh')]);
  for (const f of all) {
    const r = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
    t.is(r.status, 0, `bash -n ${f}: ${r.stderr}`);
    t.truthy(statSync(f).mode & 0o100, `${f} is executable`);
  }
  if (!requireService(t, 'shellcheck (apt install shellcheck; murano-package/test-setup.sh)', has('shellcheck'))) return;
  const r = spawnSync('shellcheck', ['-x', ...all], { encoding: 'utf8' });
  t.is(r.status, 0, r.stdout);
});

// ---- (c) the real murano-api -----------------------------------------------------------------

async function keystoneToken(c: any, who = 'admin'): Promise<string> {
  const u = c[who];
  const res = await fetch(`${c.auth_url}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: u.username, password: u.password, domain: { name: u.user_domain_name } } } }, scope: { project: { name: u.project_name, domain: { name: u.project_domain_name } } } } }),
  });
  if (res.status !== 201) throw new Error(`Keystone login: HTTP ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

async function ensureMurano(t: ExecutionContext): Promise<string | null> {
  const c = cloud();
  if (!requireService(t, `the OpenStack test cloud (${CLOUD_JSON})`, c !== null)) return null;
  if (!(await reachable('127.0.0.1', 8082))) {
    if (!isRoot) {
      requireService(t, 'murano-api on :8082 (root is needed to start it)', false);
      return null;
    }
    t.log('murano-api is not running: bash test/cloud/setup.sh --with-murano');
    const r = spawnSync('bash', [join(ROOT, 'test/cloud/setup.sh'), '--with-murano'], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) t.log(r.stdout.slice(-2000), r.stderr.slice(-2000));
  }
  if (!requireService(t, 'murano-api on :8082 (test/cloud/setup.sh --with-murano)', await reachable('127.0.0.1', 8082))) return null;
  return cloud()?.murano?.url ?? 'http://127.0.0.1:8082';
}

test.serial('murano-api: import over REST, list, classes, UI form and logo served, delete', async (t) => {
  t.timeout(12 * 60_000);
  const murano = await ensureMurano(t);
  if (!murano) return;
  const c = cloud();
  const token = await keystoneToken(c);
  const h = { 'x-auth-token': token };
  const dir = await mkdtemp('/tmp/fnstack-murano-import-');
  let id: string | undefined;
  try {
    const zip = await build(join(dir, 'pkg.zip'));
    // a leftover from an interrupted run would make the import 409
    const before = await (await fetch(`${murano}/v1/catalog/packages?fqn=io.fnstack.Fnstack&owned=true`, { headers: h })).json() as any;
    for (const p of before.packages ?? []) await fetch(`${murano}/v1/catalog/packages/${p.id}`, { method: 'DELETE', headers: h });

    const form = new FormData();
    form.append('__metadata__', JSON.stringify({ is_public: false, tags: ['fnstack-test'] }));
    form.append('file', new Blob([zip], { type: 'application/zip' }), 'io.fnstack.Fnstack.zip');
    const started = Date.now();
    const res = await fetch(`${murano}/v1/catalog/packages`, { method: 'POST', headers: h, body: form });
    const pkg = await res.json() as any;
    t.is(res.status, 200, JSON.stringify(pkg));
    t.log(`import took ${Date.now() - started} ms`);
    id = pkg.id;
    t.is(pkg.fully_qualified_name, 'io.fnstack.Fnstack');
    t.is(pkg.type, 'Application');
    t.deepEqual([...pkg.class_definitions].sort(), ['io.fnstack.BundledMariaDB', 'io.fnstack.BundledRabbitMQ', 'io.fnstack.Fnstack', 'io.fnstack.Scripts']);

    const list = await (await fetch(`${murano}/v1/catalog/packages?type=Application&owned=true`, { headers: h })).json() as any;
    t.true(list.packages.some((p: any) => p.id === id && p.name === pkg.name), 'listed in the catalog');
    // owned: an admin sees every project's packages, and test/murano/deploy imports one into `deploy`
    const byClass = await (await fetch(`${murano}/v1/catalog/packages?class_name=io.fnstack.Fnstack&owned=true`, { headers: h })).json() as any;
    t.deepEqual(byClass.packages.map((p: any) => p.id), [id], 'found by its class name');

    const uiRes = await fetch(`${murano}/v1/catalog/packages/${id}/ui`, { headers: h });
    t.is(uiRes.status, 200);
    const served = parseYaml(await uiRes.text()) as any;
    t.deepEqual(served, yamlOf(join(PKG, 'UI/ui.yaml')), 'the UI form is served as packaged');
    const logo = Buffer.from(await (await fetch(`${murano}/v1/catalog/packages/${id}/logo`, { headers: h })).arrayBuffer());
    t.true(logo.equals(readFileSync(join(PKG, 'logo.png'))), 'the logo is served');
    const download = Buffer.from(await (await fetch(`${murano}/v1/catalog/packages/${id}/download`, { headers: h })).arrayBuffer());
    t.true(download.equals(zip), 'the archive downloads unchanged');

    // a tenant (demo) does not see a private package of the admin project
    const demo = await (await fetch(`${murano}/v1/catalog/packages?class_name=io.fnstack.Fnstack`, { headers: { 'x-auth-token': await keystoneToken(c, 'demo') } })).json() as any;
    t.deepEqual(demo.packages, []);

    const del = await fetch(`${murano}/v1/catalog/packages/${id}`, { method: 'DELETE', headers: h });
    t.is(del.status, 200);
    t.is((await fetch(`${murano}/v1/catalog/packages/${id}`, { headers: h })).status, 404);
    id = undefined;
  } finally {
    if (id) await fetch(`${murano}/v1/catalog/packages/${id}`, { method: 'DELETE', headers: h }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});

// ---- (d) the scripts for real ----------------------------------------------------------------

test.serial('RegisterKeystone.sh registers the service type (default function) + 3 endpoints idempotently, then --delete removes them', async (t) => {
  const c = cloud();
  if (!requireService(t, `the OpenStack test cloud (${CLOUD_JSON})`, c !== null && (await reachable('127.0.0.1', 5000)))) return;
  const name = `fnstack-mtest-${suffix()}`;
  const region = `mtest-${suffix()}`;
  // A throwaway type: a second `function` service in the shared catalog would break the other
  // suites that look the fnstack endpoint up by type (Horizon, fnstack login) while this runs.
  const type = `fnstack-mtest-${suffix()}`;
  const script_ = await readFile(join(SCRIPTS, 'RegisterKeystone.sh'), 'utf8');
  t.regex(script_, /\bTYPE=function\b/, "the default type is function");
  const a = c.admin;
  const env = { OS_AUTH_URL: c.auth_url, OS_USERNAME: a.username, OS_PASSWORD: a.password, OS_PROJECT_NAME: a.project_name, OS_USER_DOMAIN_NAME: a.user_domain_name, OS_PROJECT_DOMAIN_NAME: a.project_domain_name };
  const token = await keystoneToken(c);
  const ks = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${c.auth_url}${path}`, { ...init, headers: { 'x-auth-token': token, 'content-type': 'application/json' } });
    return { status: r.status, body: r.status === 204 ? null : await r.json() as any };
  };
  const services = async () => (await ks(`/services?type=${type}`)).body.services.filter((s: any) => s.name === name);
  const endpoints = async (sid: string) => (await ks(`/endpoints?service_id=${sid}`)).body.endpoints
    .map((e: any) => `${e.interface} ${e.region_id} ${e.url}`).sort();
  const args = ['--service-name', name, '--service-type', type, '--region', region, '--public-url', 'http://203.0.113.7:7700', '--internal-url', 'http://10.0.0.7:7700'];
  try {
    await script('RegisterKeystone.sh', args, env);
    const [svc] = await services();
    t.truthy(svc, 'service created');
    t.is(svc.type, type);
    t.deepEqual(await endpoints(svc.id), [`admin ${region} http://10.0.0.7:7700`, `internal ${region} http://10.0.0.7:7700`, `public ${region} http://203.0.113.7:7700`]);

    // again, unchanged: nothing new; then with a new public URL: updated in place
    await script('RegisterKeystone.sh', args, env);
    await script('RegisterKeystone.sh', args.map((x) => (x === 'http://203.0.113.7:7700' ? 'http://203.0.113.8:7700' : x)), env);
    t.is((await services()).length, 1, 'still one service');
    t.deepEqual(await endpoints(svc.id), [`admin ${region} http://10.0.0.7:7700`, `internal ${region} http://10.0.0.7:7700`, `public ${region} http://203.0.113.8:7700`]);

    // credentials from a settings file (as Murano passes them) instead of OS_*
    const dir = await mkdtemp('/tmp/fnstack-murano-ks-');
    const settings = join(dir, 'settings.env');
    await writeFile(settings, Object.entries({ FNSTACK_OS_AUTH_URL: c.auth_url, FNSTACK_OS_USERNAME: a.username, FNSTACK_OS_PASSWORD: a.password, FNSTACK_OS_PROJECT_NAME: a.project_name }).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
    const blank = Object.fromEntries(Object.keys(env).map((k) => [k, '']));
    await script('RegisterKeystone.sh', [...args, '--settings', settings], blank);
    await rm(dir, { recursive: true, force: true });
    t.is((await services()).length, 1);

    // wrong password: a clear failure, nothing created
    const bad = await script('RegisterKeystone.sh', ['--service-name', `${name}-x`, '--region', region, '--public-url', 'http://x:1'], { ...env, OS_PASSWORD: 'wrong' }).catch((e) => e);
    t.regex(String(bad.stderr), /login as admin failed: HTTP 401/);

    await script('RegisterKeystone.sh', ['--delete', '--service-name', name, '--service-type', type, '--region', region], env);
    t.deepEqual(await services(), [], 'service deleted');
  } finally {
    for (const s of await services().catch(() => [])) {
      for (const e of (await ks(`/endpoints?service_id=${s.id}`)).body.endpoints) await ks(`/endpoints/${e.id}`, { method: 'DELETE' });
      await ks(`/services/${s.id}`, { method: 'DELETE' });
    }
    await ks(`/regions/${region}`, { method: 'DELETE' });
  }
});

test.serial('InstallMariaDB.sh + InstallRabbitMQ.sh, then DeployFnstack.sh from the prebuilt release on those back ends (pid-file init), /health, redeploy', async (t) => {
  t.timeout(25 * 60_000);
  if (!requireService(t, 'root (the scripts install packages and services)', isRoot)) return;
  const servers = (await reachable('127.0.0.1', 3306)) && (await reachable('127.0.0.1', 5672)) && has('mariadb') && has('rabbitmqctl');
  if (!requireService(t, 'MariaDB and RabbitMQ on this machine (test/services/ensure.sh)', servers)) return;

  const id = suffix();
  const db = `fnstack_mtest_${id}`;
  const user = `mt_${id}`;
  const vhost = `/fnstack-mtest-${id}`;
  const dir = await mkdtemp('/tmp/fnstack-murano-deploy-');
  await chmod(dir, 0o755);
  const mariadbEnv = join(dir, 'etc/mariadb.env');
  const rabbitEnv = join(dir, 'etc/rabbitmq.env');
  const dataDir = join(dir, 'data');
  const pidOf = async () => Number((await readFile(join(dataDir, 'fnstack.pid'), 'utf8')).trim());
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  try {
    // -- bundled MariaDB: database + user, URL in a 0600 env file, same password on a rerun
    await script('InstallMariaDB.sh', ['--database', db, '--user', user, '--env-file', mariadbEnv]);
    const dbLine = (await readFile(mariadbEnv, 'utf8')).trim();
    t.regex(dbLine, new RegExp(`^FNSTACK_DATABASE_URL=mariadb://${user}:[0-9a-f]{48}@127\\.0\\.0\\.1:3306/${db}$`));
    t.is(statSync(mariadbEnv).mode & 0o777, 0o600);
    await script('InstallMariaDB.sh', ['--database', db, '--user', user, '--env-file', mariadbEnv]);
    t.is((await readFile(mariadbEnv, 'utf8')).trim(), dbLine, 'idempotent: same URL');
    const pw = /:([0-9a-f]{48})@/.exec(dbLine)![1]!;
    const q = await sh('mariadb', ['-h127.0.0.1', `-u${user}`, `-p${pw}`, '-N', '-e', 'SELECT DATABASE()', db]);
    t.is(q.stdout.trim(), db, 'the user logs in over TCP with the generated password');

    // -- bundled RabbitMQ: vhost + user, URL in a 0600 env file
    await script('InstallRabbitMQ.sh', ['--vhost', vhost, '--user', user, '--env-file', rabbitEnv]);
    await script('InstallRabbitMQ.sh', ['--vhost', vhost, '--user', user, '--env-file', rabbitEnv]);
    const mqLine = (await readFile(rabbitEnv, 'utf8')).trim();
    t.regex(mqLine, new RegExp(`^FNSTACK_QUEUE_URL=amqp://${user}:[0-9a-f]{48}@127\\.0\\.0\\.1:5672/%2Ffnstack-mtest-${id}$`));
    const conn = await amqp.connect(mqLine.slice('FNSTACK_QUEUE_URL='.length));
    await conn.close();
    t.pass('the user logs in to its vhost');

    // -- the service from the run's prebuilt release (build-release.sh: no npm install on the server)
    const tarball = await prebuiltRelease(ROOT);
    const settings = join(dir, 'settings.env');
    // what io.fnstack.Fnstack._settings writes (loopback here instead of 0.0.0.0)
    await writeFile(settings, 'FNSTACK_HOST=127.0.0.1\nFNSTACK_PROVIDER=local\nFNSTACK_AUTH_MODE=builtin\nFNSTACK_PUBLIC_URL=http://127.0.0.1:17780\n', { mode: 0o600 });
    const port1 = 17780 + Math.floor(Math.random() * 100);
    const deploy = (port: number) => script('DeployFnstack.sh', [
      '--source', tarball, '--settings', settings, '--settings', mariadbEnv, '--settings', rabbitEnv,
      '--port', String(port), '--prefix', join(dir, 'prefix'), '--data-dir', dataDir, '--init', 'auto', '--unit', 'fnstack',
    ], { npm_config_prefer_offline: 'true' }, 20 * 60_000);
    const started = Date.now();
    const first = await deploy(port1);
    t.log(`first deploy (prebuilt release) took ${Math.round((Date.now() - started) / 1000)} s`);
    t.regex(first.stdout, new RegExp(`fnstack is running on port ${port1} \\(pidfile, user root\\)`), 'no systemd here: the pid-file fallback');
    const health = await (await fetch(`http://127.0.0.1:${port1}/health`)).json() as any;
    t.is(health.status, 'ok');
    const config = await readFile(join(dataDir, 'config.yaml'), 'utf8');
    t.is(statSync(join(dataDir, 'config.yaml')).mode & 0o777, 0o600);
    const parsed = parseYaml(config) as any;
    t.is(parsed.database_url, dbLine.slice('FNSTACK_DATABASE_URL='.length));
    t.is(parsed.queue_url, mqLine.slice('FNSTACK_QUEUE_URL='.length));
    t.is(parsed.port, String(port1));
    t.is(parsed.provider, 'local');
    const tables = await sh('mariadb', ['-h127.0.0.1', `-u${user}`, `-p${pw}`, '-N', '-e', 'SHOW TABLES', db]);
    t.true(tables.stdout.trim().split('\n').length > 3, 'the service migrated its MariaDB database');
    const pid1 = await pidOf();
    t.true(alive(pid1));
    t.regex(readFileSync(`/proc/${pid1}/cmdline`, 'utf8'), /dist\/cli\/main\.js/, 'the pid file holds the service itself');

    // -- redeploy with another port: the built release is reused, the old process is replaced
    const port2 = port1 + 100;
    const second = await deploy(port2);
    t.regex(second.stderr, /already built/, 'a redeploy of the same tarball does not rebuild');
    t.false(alive(pid1), 'the old process is gone');
    t.is(((await (await fetch(`http://127.0.0.1:${port2}/health`)).json()) as any).status, 'ok');
    t.false(await reachable('127.0.0.1', port1), 'nothing answers on the old port');

    // -- a bad setting makes the deploy fail loudly, with the service's log
    await writeFile(join(dir, 'bad.env'), 'FNSTACK_PROVIDER=nova\n');
    const bad = await script('DeployFnstack.sh', ['--source', tarball, '--settings', settings, '--settings', join(dir, 'bad.env'),
      '--port', String(port1), '--prefix', join(dir, 'prefix'), '--data-dir', dataDir, '--init', 'pidfile', '--health-timeout', '20']).catch((e) => e);
    t.not(bad.code ?? 0, 0);
    t.regex(String(bad.stderr), /provider/);
  } finally {
    if (existsSync(join(dataDir, 'fnstack.pid'))) {
      const pid = await pidOf().catch(() => 0);
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 50 && pid > 0 && alive(pid); i++) await new Promise((r) => setTimeout(r, 200));
    }
    await script('InstallMariaDB.sh', ['--drop', '--database', db, '--user', user, '--env-file', mariadbEnv]).catch((e) => t.log(String(e)));
    await script('InstallRabbitMQ.sh', ['--drop', '--vhost', vhost, '--user', user, '--env-file', rabbitEnv]).catch((e) => t.log(String(e)));
    await rm(dir, { recursive: true, force: true });
  }
});
