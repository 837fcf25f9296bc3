/** Function code used by the end-to-end tests. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir, writeTree } from './tmp.js';

/**
 * The handler may be given the CloudEvent or its data; the fixtures accept both so that
 * these tests check the CLI, not that detail of the runner.
 */
const DATA_OF = `const dataOf = (e) => (e && typeof e === 'object' && 'specversion' in e ? e.data : e) ?? {};`;

export function helloFile(greeting = 'hello'): string {
  const dir = tempDir('fnstack-fixture-');
  writeTree(dir, {
    'hello.mjs': `${DATA_OF}
export async function handler(event) {
  const data = dataOf(event);
  console.log('log line from hello', JSON.stringify(data));
  return { greeting: '${greeting} ' + (data.name ?? 'world') };
}
`,
  });
  return join(dir, 'hello.mjs');
}

export function failingFile(): string {
  const dir = tempDir('fnstack-fixture-');
  writeTree(dir, {
    'fail.mjs': `export async function handler() {
  console.log('about to fail');
  console.error('stderr before the throw');
  throw new Error('boom from the handler');
}
`,
  });
  return join(dir, 'fail.mjs');
}

export function slowFile(seconds: number): string {
  const dir = tempDir('fnstack-fixture-');
  writeTree(dir, {
    'slow.mjs': `export async function handler() {
  for (let i = 1; i <= ${seconds * 2}; i++) {
    console.log('tick ' + i);
    await new Promise((r) => setTimeout(r, 500));
  }
  return 'done';
}
`,
  });
  return join(dir, 'slow.mjs');
}

/** A CommonJS project with a local module and a dependency in node_modules. */
export function projectDir(): string {
  return writeTree(tempDir('fnstack-fixture-project-'), {
    'package.json': JSON.stringify({ name: 'project', version: '1.0.0', main: 'index.js' }),
    'index.js': `const util = require('./lib/util.js');
const dep = require('left-pad-ish');
exports.handler = async () => ({ from: 'directory', util: util.value, dep: dep('x', 3) });
`,
    'lib/util.js': 'exports.value = 42;\n',
    'node_modules/left-pad-ish/package.json': JSON.stringify({ name: 'left-pad-ish', version: '1.0.0', main: 'index.js' }),
    'node_modules/left-pad-ish/index.js': "module.exports = (s, n) => s.padStart(n, '.');\n",
  });
}

/** The same project as a .zip made by the system's zip tool. */
export function projectZip(): string {
  const dir = writeTree(tempDir('fnstack-fixture-zip-'), {
    'package.json': JSON.stringify({ name: 'zipped', version: '1.0.0' }),
    'index.js': "exports.handler = async () => ({ from: 'zip' });\n",
  });
  const zip = join(tempDir('fnstack-fixture-'), 'zipped.zip');
  execFileSync('zip', ['-q', '-r', zip, '.'], { cwd: dir });
  return zip;
}
