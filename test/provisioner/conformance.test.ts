/** The provider conformance suite on the local provider (the embedded default), through a real service. */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerConformance } from './_conformance.js';
import { startTestService, RUNTIME } from '../_helpers/service.js';
import { isRoot } from './_fixtures.js';

providerConformance('local', {
  provider: 'local',
  runtime: RUNTIME,
  start: async () => {
    // Its own sandbox root, so that what is left in it is this service's alone.
    const parent = isRoot ? '/var/lib/fnstack/test-sandboxes' : tmpdir();
    await mkdir(parent, { recursive: true, mode: 0o711 });
    const sandboxes = await mkdtemp(join(parent, 'conformance-'));
    const svc = await startTestService({ env: { FNSTACK_SANDBOX_DIR: sandboxes } });
    return {
      api: (method, path, body) => svc.api(method, path, body),
      leftovers: async () => (await readdir(sandboxes).catch(() => [])).filter((n) => !n.startsWith('.')),
      close: async () => {
        await svc.close();
        await rm(sandboxes, { recursive: true, force: true });
      },
    };
  },
});
