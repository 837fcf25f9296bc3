/**
 * The guest image for a runtime, built (or taken from the cache) by images/build.sh — the
 * operator's own entry point — and uploaded by it to Glance as `user`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CloudUser, TestCloud } from '../openstack/_helpers/cloud.js';

/** The repository's images/build.sh (from dist/test/guest/). */
export const BUILD_SH = fileURLToPath(new URL('../../../images/build.sh', import.meta.url));

export interface BuiltImage {
  runtime: string;
  key: string;
  cached: boolean;
  path: string;
  node_version: string;
  min_ram: number;
  min_disk: number;
  seconds: number;
  glance: { id: string; name: string; uploaded: boolean; property: string } | null;
}

/** The openrc of `user`, as the environment of the `openstack` CLI. */
export function openrc(cloud: TestCloud, user: CloudUser): Record<string, string> {
  return {
    OS_AUTH_URL: cloud.auth_url,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: user.username,
    OS_PASSWORD: user.password,
    OS_PROJECT_NAME: user.project_name,
    OS_USER_DOMAIN_NAME: user.user_domain_name,
    OS_PROJECT_DOMAIN_NAME: user.project_domain_name,
    OS_REGION_NAME: cloud.region,
    OS_INTERFACE: cloud.interface,
  };
}

/** Runs images/build.sh with these arguments; its progress goes to `progress`. */
export function buildImage(args: string[], env: Record<string, string>, progress: (line: string) => void): Promise<BuiltImage> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SH, '--json', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      const text = c.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) progress(line);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`images/build.sh exited with ${code}:\n${tail}`));
      try {
        resolve(JSON.parse(out) as BuiltImage);
      } catch {
        reject(new Error(`images/build.sh printed no JSON: ${out}`));
      }
    });
  });
}
