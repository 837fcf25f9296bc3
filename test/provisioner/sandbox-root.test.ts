/** The sandbox root's parents: whoever creates them first, sandbox uids can still reach their root. */
import test from 'ava';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '../../service/provisioner/local/local-provider.js';
import { params, requireRoot } from './_fixtures.js';

test('a provider without sandbox uids leaves the parents it creates traversable for one with them', async (t) => {
  if (!requireRoot(t)) return;
  const base = await mkdtemp('/var/lib/fnstack-roots-');
  await chmod(base, 0o755);
  const closed = new LocalProvider({ sandboxRoot: join(base, 'shared', 'parent', 'closed'), isolateUsers: false, cgroup: 'off' });
  const open = new LocalProvider({ sandboxRoot: join(base, 'shared', 'parent', 'open') });
  try {
    await closed.check(params({ network: false }));
    t.is((await stat(join(base, 'shared', 'parent', 'closed'))).mode & 0o777, 0o700, 'a root without uids is closed');
    t.is((await stat(join(base, 'shared', 'parent'))).mode & 0o777, 0o755, 'its parents are not');
    const placement = await open.check(params({ network: false }));
    t.truthy(placement);
  } finally {
    await closed.close();
    await open.close();
    await rm(base, { recursive: true, force: true });
  }
});
