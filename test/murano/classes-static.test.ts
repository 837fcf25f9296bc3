/**
 * murano-package/check-classes.py: the MuranoPL in Classes/ as murano-engine reads it.
 * murano-engine makes a yaql expression of a plain scalar only, and only when it parses;
 * anything else is a literal string. So a YAML flow sequence cut at a comma inside an
 * expression, or the same expression quoted, imports, passes murano-pkg-check and deploys with
 * garbage values (issue 10: FNSTACK_DATABASE_URL became "switch($.databaseMode = …"; the
 * first fix quoted it, and the real deploy in deploy.test.ts showed the literal string).
 * The check must pass on the package and fail on copies carrying either defect.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requireService } from '../_helpers/requirements.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PKG = join(ROOT, 'murano-package');
const CHECK = join(PKG, 'check-classes.py');
const PY = '/usr/bin/python3';

interface Finding { kind: 'pair' | 'yaql' | 'quoted'; where: string; text?: string; elements?: number; row?: string[] }

function checkerAvailable(): boolean {
  return existsSync(PY) && spawnSync(PY, ['-c', 'import yaml, muranopkgcheck.checkers.yaql_checker'], { stdio: 'ignore' }).status === 0;
}

function check(classesDir: string): { status: number | null; findings: Finding[]; stderr: string } {
  const r = spawnSync(PY, [CHECK, classesDir], { encoding: 'utf8' });
  const findings = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Finding);
  return { status: r.status, findings, stderr: r.stderr };
}

/** A copy of Classes/ with Fnstack.yaml rewritten by `edit`. */
function mutated(edit: (text: string) => string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync('/tmp/fnstack-classes-');
  cpSync(join(PKG, 'Classes'), dir, { recursive: true });
  const file = join(dir, 'Fnstack.yaml');
  const before = readFileSync(file, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error('the mutation changed nothing: the fixture is stale');
  writeFileSync(file, after);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const BLOCK_ROW = /- - FNSTACK_DATABASE_URL\n\s+- (switch\(.*\))\n/;

const REQUIREMENT = 'Debian python3-yaml + python3-murano-pkg-check (test/services/tools.sh)';

test('every pair has two elements and every expression parses in Classes/', (t) => {
  if (!requireService(t, REQUIREMENT, checkerAvailable())) return;
  const r = check(join(PKG, 'Classes'));
  t.deepEqual(r.findings, [], r.stderr);
  t.is(r.status, 0);
});

test('the check catches an expression cut in two by a YAML flow sequence (the issue 10 defect)', (t) => {
  if (!requireService(t, REQUIREMENT, checkerAvailable())) return;
  // the shape the package shipped with: `- [KEY, switch(a => b, true => null)]`, unquoted
  const m = mutated((s) => s.replace(BLOCK_ROW, '- [FNSTACK_DATABASE_URL, $1]\n'));
  try {
    const r = check(m.dir);
    t.is(r.status, 1);
    const pair = r.findings.find((f) => f.kind === 'pair');
    t.truthy(pair, JSON.stringify(r.findings));
    t.is(pair?.elements, 3);
    t.is(pair?.row?.[0], 'FNSTACK_DATABASE_URL');
    t.regex(pair?.where ?? '', /^Fnstack\.yaml:Methods\._settings\.Body/);
    const yaql = r.findings.find((f) => f.kind === 'yaql');
    t.is(yaql?.text, 'switch($.databaseMode = external => $.databaseUrl', 'the half expression Murano would keep as a string');
  } finally {
    m.cleanup();
  }
});

test('the check catches the expression quoted in the flow sequence (a literal string to Murano)', (t) => {
  if (!requireService(t, REQUIREMENT, checkerAvailable())) return;
  const m = mutated((s) => s.replace(BLOCK_ROW, "- [FNSTACK_DATABASE_URL, '$1']\n"));
  try {
    const r = check(m.dir);
    t.is(r.status, 1);
    t.deepEqual(r.findings.map((f) => f.kind), ['quoted']);
    t.is(r.findings[0]?.text, 'switch($.databaseMode = external => $.databaseUrl, true => null)');
  } finally {
    m.cleanup();
  }
});

test('the check catches an expression that does not parse, outside any pair', (t) => {
  if (!requireService(t, REQUIREMENT, checkerAvailable())) return;
  const m = mutated((s) => s.replace("$.endpointUrl: format('http://{0}:{1}', $publicHost, $.port)", "$.endpointUrl: format('http://{0}:{1}', $publicHost, $.port"));
  try {
    const r = check(m.dir);
    t.is(r.status, 1);
    t.deepEqual(r.findings.map((f) => f.kind), ['yaql']);
    t.regex(r.findings[0]?.where ?? '', /Methods\.deploy\.Body/);
  } finally {
    m.cleanup();
  }
});
