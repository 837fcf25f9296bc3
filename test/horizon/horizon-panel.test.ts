/**
 * End to end through Horizon: the real test cloud (Keystone + Horizon 23 from Debian), the
 * fnstack_dashboard plugin installed by horizon-plugin/install.sh, the fnstack service in
 * Keystone mode on the catalog's endpoint (:7700), and Debian's Chromium driven by
 * playwright-core. demo logs in, opens Project → Functions, creates a function by uploading
 * a file, invokes it with a JSON event (sync: sees the execution succeed, its result and its
 * logs; async: sees the row refresh itself until it is final), and deletes it.
 *
 * Needs root, the test cloud (cloud.json), Horizon and Chromium: FAILS under CI=true without
 * them, skips loudly elsewhere. Screenshots go to $FNSTACK_HORIZON_SHOTS (default
 * /tmp/fnstack-horizon-e2e/).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { startService, type RunningService } from '../../service/main.js';
import { keystoneEnv } from '../auth/_helpers/api-under-test.js';
import { CLOUD_JSON, loadCloud } from '../openstack/_helpers/cloud.js';
import { reachable, requireService } from '../_helpers/requirements.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..'); // dist/test/horizon → repo root
const HORIZON = 'http://127.0.0.1:8080';
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env.FNSTACK_HORIZON_SHOTS ?? '/tmp/fnstack-horizon-e2e';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const HELLO = `exports.handler = async (event) => {
  const data = event.data || {};
  console.log('hello from horizon', JSON.stringify(data));
  if (data.sleep_ms) await new Promise((r) => setTimeout(r, data.sleep_ms));
  return { greeting: 'Hello, ' + data.name + '!' };
};
`;

/** What is missing for this test, or null. */
function missing(): string | null {
  if (!existsSync(CLOUD_JSON)) return `the OpenStack test cloud (${CLOUD_JSON}; run test/cloud/setup.sh)`;
  if (!existsSync('/usr/share/openstack-dashboard/manage.py')) return 'Horizon (Debian openstack-dashboard)';
  if (!existsSync(CHROMIUM)) return `Chromium (${CHROMIUM})`;
  if (process.getuid?.() !== 0) return 'root (setup.sh and install.sh write into the system)';
  return null;
}

async function sh(t: { log: (...a: string[]) => void }, script: string, args: string[], timeoutMs: number) {
  const started = Date.now();
  try {
    const { stdout } = await run('bash', [join(REPO, script), ...args], { cwd: REPO, timeout: timeoutMs, maxBuffer: 32 << 20 });
    const last = stdout.trim().split('\n').slice(-1)[0] ?? '';
    t.log(`${script} ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s — ${last}`);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} ${args.join(' ')} failed: ${e.message}\n${(e.stdout ?? '').slice(-3000)}\n${(e.stderr ?? '').slice(-3000)}`);
  }
}

test.serial('Horizon: Project → Functions — create by upload, invoke with a JSON event, execution + logs, async row refresh, delete', async (t) => {
  t.timeout(20 * 60_000);
  const why = missing();
  if (!requireService(t, why ?? '', why === null)) return;
  const cloud = loadCloud()!;

  // the cloud with Horizon, then the plugin (both idempotent: quick when already done)
  await sh(t, 'test/cloud/setup.sh', ['--with-horizon'], 15 * 60_000);
  await sh(t, 'horizon-plugin/install.sh', [], 10 * 60_000);

  // the fnstack service in Keystone mode on the catalog's `function` endpoint
  const endpoint = new URL(cloud.endpoints.function ?? 'http://127.0.0.1:7700');
  if (await reachable(endpoint.hostname, Number(endpoint.port))) {
    t.fail(`port ${endpoint.port} (the catalog's function endpoint) is already taken: stop what listens there`);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'fnstack-horizon-'));
  const service: RunningService = await startService({
    port: Number(endpoint.port),
    host: endpoint.hostname,
    log: process.env.FNSTACK_TEST_LOG === '1',
    env: { FNSTACK_DATA_DIR: dataDir, ...keystoneEnv(cloud) },
  });
  let browser: Browser | null = null;
  await mkdir(SHOTS, { recursive: true });
  const name = `e2e-${Date.now().toString(36)}`;
  const codeFile = join(dataDir, 'hello.js');
  await writeFile(codeFile, HELLO);
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(60_000);
    const shot = async (step: string) => {
      const path = join(SHOTS, `${step}.png`);
      await page.screenshot({ path, fullPage: true });
      t.log(`screenshot ${path}`);
    };

    // ---- log in as demo
    await page.goto(`${HORIZON}/auth/login/`);
    await page.fill('#id_username', cloud.demo.username);
    await page.fill('#id_password', cloud.demo.password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/auth/login')), page.click('#loginBtn')]);

    // ---- Project → Functions (the panel group and its panels in the sidebar)
    await page.goto(`${HORIZON}/project/`);
    const sidebar = page.locator('#sidebar-accordion');
    t.regex(await sidebar.innerText(), /Functions/, 'the Functions group is in the sidebar');
    await page.goto(`${HORIZON}/project/functions/`);
    await page.waitForSelector('table#functions');
    t.is(await page.locator('h1').innerText(), 'Functions');
    for (const panel of ['Functions', 'Executions', 'Triggers']) {
      t.true(await sidebar.locator(`a[href="/project/${panel.toLowerCase()}/"]`).isVisible(), `${panel} panel in the sidebar`);
    }
    await shot('01-functions-empty');

    // ---- create by uploading a file (Horizon's ajax modal)
    await page.click('a#functions__action_create');
    const createForm = page.locator('form#create_function_form');
    await createForm.waitFor();
    await createForm.locator('#id_name').fill(name);
    await createForm.locator('#id_code').setInputFiles(codeFile);
    await createForm.locator('#id_handler').fill('hello.handler');
    await createForm.locator('#id_memory_mb').fill('192');
    await createForm.locator('#id_timeout_s').fill('20');
    await createForm.locator('#id_env').fill('GREETING=hi\nMODE=e2e');
    await shot('02-create-modal');
    await Promise.all([page.waitForURL(`${HORIZON}/project/functions/${name}/`), createForm.locator('input[type=submit]').click()]);
    await page.waitForSelector('.alert-success');
    t.regex(await page.locator('.alert-success').first().innerText(), new RegExp(`Created function "${name}" \\(version 1\\)`));
    const overview = await page.locator('.detail').first().innerText();
    t.regex(overview, /hello\.handler/);
    t.regex(overview, /192 MiB/);
    t.regex(overview, /hello\.js/);
    t.regex(overview, /GREETING/);
    await shot('03-function-detail');

    // the table row
    await page.goto(`${HORIZON}/project/functions/`);
    const row = page.locator(`tr[data-object-id="${name}"]`);
    const rowText = await row.innerText();
    for (const cell of [name, 'nodejs', 'hello.handler', '192 MiB', '20 s', '1']) t.true(rowText.includes(cell), `row shows ${cell}: ${rowText}`);
    await shot('04-functions-table');

    // ---- invoke with a JSON event: bad JSON is refused in the form, good JSON runs
    await row.locator('a:has-text("Invoke")').click();
    const invokeForm = page.locator('form#invoke_function_form');
    await invokeForm.waitFor();
    await invokeForm.locator('#id_event').fill('{"name": ');
    await invokeForm.locator('input[type=submit]').click();
    await page.waitForSelector('form#invoke_function_form .has-error, form#invoke_function_form .error');
    t.regex(await page.locator('form#invoke_function_form').innerText(), /not valid JSON/);
    await shot('05-invoke-invalid-json');
    const invokeForm2 = page.locator('form#invoke_function_form');
    await invokeForm2.locator('#id_event').fill('{"name": "Horizon", "items": [1, 2, 3]}');
    await shot('06-invoke-modal');
    await Promise.all([page.waitForURL(/\/project\/executions\/[^/]+\/$/, { timeout: 120_000 }), invokeForm2.locator('input[type=submit]').click()]);
    const executionId = page.url().split('/').filter(Boolean).pop()!;
    await page.waitForSelector('.execution-status');
    t.is(await page.locator('.execution-status').innerText(), 'succeeded');
    t.regex(await page.locator('.execution-result').innerText(), /"greeting": "Hello, Horizon!"/);
    const details = await page.locator('.detail').first().innerText();
    t.regex(details, /192 MiB/, 'limits');
    t.regex(details, /Provider\s+local/, 'placement');
    t.regex(details, /Total\s+\d/, 'timings');
    await shot('07-execution-succeeded');

    // ---- logs
    await page.click('a[data-target="#execution_details__logs"], a:has-text("Logs")');
    const logs = page.locator('pre.execution-logs');
    await logs.waitFor({ state: 'visible' });
    t.regex(await logs.innerText(), /hello from horizon \{"name":"Horizon","items":\[1,2,3\]\}/);
    await shot('08-execution-logs');

    // the executions table: the run, with its status and a link back to the function
    await page.goto(`${HORIZON}/project/executions/`);
    const exRow = page.locator(`tr[data-object-id="${executionId}"]`);
    t.regex(await exRow.innerText(), new RegExp(`${name}[\\s\\S]*Succeeded`));
    await shot('09-executions-table');

    // ---- async invoke: the row is not final at first and refreshes itself (no page reload)
    await page.goto(`${HORIZON}/project/functions/${name}/invoke/`);
    const asyncForm = page.locator('form#invoke_function_form');
    await asyncForm.locator('#id_event').fill('{"name": "later", "sleep_ms": 5000}');
    // Horizon's themable checkbox hides the <input>: click its label, as a user does
    await asyncForm.locator('label[for="id_wait"]').last().click();
    t.false(await asyncForm.locator('#id_wait').isChecked(), '"Wait for the result" unchecked');
    await Promise.all([page.waitForURL(/\/project\/executions\/\?function=/), asyncForm.locator('input[type=submit]').click()]);
    // (strings, not functions: the project compiles without the DOM lib)
    await page.evaluate('window.__noReload = true');
    const firstRow = page.locator('table#executions tbody tr').first();
    const before = await firstRow.innerText();
    t.regex(before, /Queued|Provisioning|Running/, `a fresh async execution is not final yet: ${before}`);
    t.truthy(await firstRow.getAttribute('data-update-url'), 'the row polls (Horizon ajax row update)');
    await shot('10-async-running');
    await page.waitForFunction(`(document.querySelector('table#executions tbody tr')?.textContent ?? '').includes('Succeeded')`, null, { timeout: 90_000 });
    t.is(await page.evaluate('window.__noReload === true'), true, 'updated in place, not by reloading the page');
    await shot('11-async-succeeded');

    // ---- a trigger: an HTTP webhook for the function (Triggers panel), shown with its secret once
    await page.goto(`${HORIZON}/project/triggers/`);
    await page.click('a#triggers__action_create');
    const triggerForm = page.locator('form#create_trigger_form');
    await triggerForm.waitFor();
    await triggerForm.locator('#id_name').fill(`${name}-hook`);
    await triggerForm.locator('#id_function').selectOption(name);
    await triggerForm.locator('#id_kind').selectOption('http');
    await triggerForm.locator('#id_config').fill('{}');
    await shot('12-trigger-create');
    await Promise.all([page.waitForURL(`${HORIZON}/project/triggers/`), triggerForm.locator('input[type=submit]').click()]);
    t.regex(await page.locator('.alert-success').first().innerText(), /\/v1\/hooks\/.+ with the secret \S+/);
    const triggerRow = page.locator(`tr[data-object-id="${name}-hook"]`);
    t.regex(await triggerRow.innerText(), new RegExp(`${name}[\\s\\S]*http[\\s\\S]*Yes`));
    await shot('13-triggers-table');
    await page.goto(`${HORIZON}/project/functions/${name}/?tab=function_details__triggers`);
    t.regex(await page.locator('table#triggers').innerText(), new RegExp(`${name}-hook`));
    await shot('14-function-triggers-tab');

    // ---- delete (the function's triggers go with it)
    await page.goto(`${HORIZON}/project/functions/`);
    const delRow = page.locator(`tr[data-object-id="${name}"]`);
    await delRow.locator('.dropdown-toggle').click();
    await delRow.locator(`button#functions__row_${name}__action_delete, button:has-text("Delete Function")`).first().click();
    await page.locator('.modal-footer .btn-danger, .modal-footer a.btn-primary').first().click();
    await page.waitForSelector('.alert-success');
    t.regex(await page.locator('.alert-success').first().innerText(), new RegExp(`Deleted Function: ${name}`));
    t.is(await page.locator(`tr[data-object-id="${name}"]`).count(), 0);
    await shot('15-deleted');
  } finally {
    await browser?.close();
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

