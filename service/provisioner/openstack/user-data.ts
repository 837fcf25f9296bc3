/**
 * The user_data of every function server (pure): a shell script, which cloud-init runs
 * once as root at first boot. It fetches the runner program (the dependency-free files of
 * service/runner/, as JSON) from the service with the server's token, writes it to a fresh
 * directory and runs `agent.js`, which then pulls its assignment (see
 * service/runner/agent.ts). The VM needs outbound HTTP to the service only; nothing
 * connects into it.
 *
 * The runner program is the `.js` and `.cjs` files of service/runner/. It is fetched rather
 * than embedded so that user_data stays around 1.5 KiB, far below Nova's 64 KiB, whatever the
 * runner grows to; the image only needs `node` on PATH.
 * One node process does both (fetch, then import agent.js). The fetch is retried for
 * `fetchAttempts × 2 s` (the network may come up late); a 401 means the server was
 * released meanwhile and ends the script at once (exit 3).
 */

export interface UserDataInput {
  /** Base URL of the service as seen from the server, e.g. http://10.0.0.5:7700 */
  serviceUrl: string;
  /** The server's own bearer token. */
  token: string;
  /** Tries to fetch the runner program (2 s apart). Default 90. */
  fetchAttempts?: number;
  /** The heap limit of the function the server is for (FNSTACK_MEMORY_MB: the runner starts its executor before the event). */
  memoryMb?: number;
}

/** Shown at the top of the script: the guest harness and operators recognise it by this line. */
export const USER_DATA_MARKER = '# fnstack runner bootstrap';

export function buildUserData(input: UserDataInput): string {
  const attempts = input.fetchAttempts ?? 90;
  if (!/^https?:\/\/[^\s'"]+$/.test(input.serviceUrl)) throw new TypeError(`not a usable service URL: ${input.serviceUrl}`);
  if (!/^[A-Za-z0-9_-]+$/.test(input.token)) throw new TypeError('the token must be base64url');
  const memoryMb = input.memoryMb;
  if (memoryMb !== undefined && !(Number.isInteger(memoryMb) && memoryMb > 0)) throw new TypeError(`not a memory size in MiB: ${memoryMb}`);
  // One node process: fetch the program (retrying), write it, then import the agent.
  const bootstrap = [
    `import { writeFileSync } from 'node:fs';`,
    `for (let n = 1; ; n++) {`,
    `  try {`,
    `    const r = await fetch(process.env.FNSTACK_URL + '/v1/runner/program', { headers: { authorization: 'Bearer ' + process.env.FNSTACK_TOKEN } });`,
    `    if (r.status === 401) { console.error('fnstack: the server has been released'); process.exit(3); }`,
    `    if (!r.ok) throw new Error('HTTP ' + r.status);`,
    `    const { files } = await r.json();`,
    `    for (const [name, text] of Object.entries(files)) if (/^[\\w.-]+\\.c?js$/.test(name)) writeFileSync(name, text);`,
    `    writeFileSync('package.json', '{"type":"module"}');`,
    `    break;`,
    `  } catch (e) {`,
    `    if (n >= ${attempts}) { console.error('fnstack: cannot fetch the runner: ' + e.message); process.exit(1); }`,
    `    await new Promise((r) => setTimeout(r, 2000));`,
    `  }`,
    `}`,
    `await import(process.cwd() + '/agent.js');`,
  ].join('\n');
  return [
    '#!/bin/sh',
    USER_DATA_MARKER,
    '# (cloud-init user data, written by the fnstack openstack provider)',
    `FNSTACK_URL='${input.serviceUrl.replace(/\/+$/, '')}'`,
    `FNSTACK_TOKEN='${input.token}'`,
    ...(input.memoryMb !== undefined ? [`FNSTACK_MEMORY_MB='${memoryMb}'`, 'export FNSTACK_MEMORY_MB'] : []),
    'export FNSTACK_URL FNSTACK_TOKEN',
    'umask 077',
    'dir=$(mktemp -d "${TMPDIR:-/tmp}/fnstack-runner.XXXXXX") || exit 1',
    '# the program (with its package.json) and the code must not share a directory tree',
    'mkdir "$dir/runner" "$dir/work" && cd "$dir/runner" || exit 1',
    'export FNSTACK_WORK_DIR="$dir/work"',
    "exec node --input-type=module -e \"$(cat <<'FNSTACK_JS'",
    bootstrap,
    'FNSTACK_JS',
    ')"',
    '',
  ].join('\n');
}

/** The service URL and token in a user_data written by buildUserData, or null (used by the guest harness and tests). */
export function parseUserData(text: string): { serviceUrl: string; token: string } | null {
  if (!text.includes(USER_DATA_MARKER)) return null;
  const url = /^FNSTACK_URL='([^']*)'$/m.exec(text)?.[1];
  const token = /^FNSTACK_TOKEN='([^']*)'$/m.exec(text)?.[1];
  return url && token ? { serviceUrl: url, token } : null;
}
