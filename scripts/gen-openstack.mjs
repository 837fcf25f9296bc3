#!/usr/bin/env node
/**
 * Generates the TypeScript types of the OpenStack clients from the OpenAPI specs:
 * every `openapi/<name>.yaml` → `service/openstack/generated/<name>.ts`.
 *
 *   npm run gen:openstack                      # rewrite the committed files
 *   node scripts/gen-openstack.mjs --out DIR   # write elsewhere (the staleness test does)
 *
 * The output depends only on the spec and the openapi-typescript version, so
 * test/openstack/generated-fresh.test.ts can regenerate and compare byte for byte.
 */
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const specDir = join(root, 'openapi');

function parseArgs(argv) {
  let out = join(root, 'service/openstack/generated');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = resolve(argv[++i]);
    else throw new Error(`usage: gen-openstack.mjs [--out DIR] (unknown argument '${argv[i]}')`);
  }
  return { out };
}

async function generatorVersion() {
  const pkg = JSON.parse(await readFile(join(root, 'node_modules/openapi-typescript/package.json'), 'utf8'));
  return pkg.version;
}

function header(spec, version) {
  return [
    '/**',
    ' * DO NOT EDIT: generated file.',
    ` * Source: openapi/${spec}`,
    ` * Command: npm run gen:openstack (node scripts/gen-openstack.mjs), openapi-typescript ${version}`,
    ' * Edit the spec and regenerate; test/openstack/generated-fresh.test.ts fails when this is stale.',
    ' */',
    '/* eslint-disable */',
    '',
  ].join('\n');
}

async function main() {
  const { out } = parseArgs(process.argv.slice(2));
  const version = await generatorVersion();
  const specs = (await readdir(specDir)).filter((f) => f.endsWith('.yaml')).sort();
  await mkdir(out, { recursive: true });
  for (const spec of specs) {
    const ast = await openapiTS(pathToFileURL(join(specDir, spec)), { silent: true });
    const target = join(out, spec.replace(/\.yaml$/, '.ts'));
    await writeFile(target, header(spec, version) + astToString(ast));
    console.log(`openapi/${spec} → ${target}`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
