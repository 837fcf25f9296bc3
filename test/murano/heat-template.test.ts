/**
 * heat/fnstack.yaml installs what the Murano package installs: every input property of
 * io.fnstack.Fnstack has a Heat parameter (snake_case) with the same default and choices,
 * every parameter reaches install.sh, and the template's get_file targets exist. The deploy
 * itself is test/murano/deploy.test.ts.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../../..');
const heat = parseYaml(readFileSync(join(ROOT, 'heat/fnstack.yaml'), 'utf8')) as any;
const app = parseYaml(readFileSync(join(ROOT, 'murano-package/Classes/Fnstack.yaml'), 'utf8')) as any;
const install = readFileSync(join(ROOT, 'heat/install.sh'), 'utf8');
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

test('every input property of io.fnstack.Fnstack is a Heat parameter with the same default and choices', (t) => {
  const params = heat.parameters as Record<string, any>;
  for (const [name, def] of Object.entries(app.Properties as Record<string, any>)) {
    if (def.Usage === 'Out' || name === 'name' || name === 'instance') continue;
    const p = params[snake(name)];
    t.truthy(p, `${name} → ${snake(name)}`);
    if (!p) continue;
    const murano = def.Default ?? null;
    const heatDefault = p.default ?? null;
    t.true(murano === heatDefault || (murano === null && heatDefault === ''), `${name}: default ${String(murano)} vs ${String(heatDefault)}`);
    const choices = /in list\(([^)]*)\)/.exec(String(def.Contract))?.[1]?.split(',').map((s) => s.trim());
    if (choices) t.deepEqual(p.constraints?.[0]?.allowed_values, choices, `${name}: choices`);
  }
  for (const secret of ['os_password', 'database_url', 'queue_url']) t.true(params[secret]?.hidden, `${secret} is hidden`);
});

test('every parameter reaches install.sh, and every get_file target exists', (t) => {
  const replace = heat.resources.server.properties.user_data.str_replace;
  const markers = Object.keys(replace.params as Record<string, unknown>);
  for (const m of markers) t.true(install.includes(m), `${m} is used in install.sh`);
  for (const m of install.matchAll(/__FNSTACK_[A-Z_]+__/g)) t.true(markers.includes(m[0]), `${m[0]} is given by the template`);
  const used = new Set(JSON.stringify(replace.params).match(/"get_param":"([a-z_]+)"/g)?.map((s) => s.slice(13, -1)));
  for (const p of Object.keys(heat.parameters as Record<string, unknown>)) {
    if (['image', 'flavor', 'network', 'key_name', 'floating_network', 'deploy_timeout'].includes(p)) continue;
    t.true(used.has(p), `parameter ${p} reaches the server`);
  }
  const text = readFileSync(join(ROOT, 'heat/fnstack.yaml'), 'utf8');
  for (const m of text.matchAll(/get_file: ([^}\s]+)/g)) t.true(existsSync(join(ROOT, 'heat', m[1]!)), `get_file ${m[1]} exists`);
});
