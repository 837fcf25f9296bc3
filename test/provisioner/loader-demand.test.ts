/** Which module loaders a pre-started sandbox warms: the ES-module one only while its shape ran ES-module handlers. */
import test from 'ava';
import { LoaderDemand } from '../../service/provisioner/local/loader-demand.js';

test('a shape warms the CommonJS loader alone until an ES-module handler ran in it', (t) => {
  const d = new LoaderDemand(60_000);
  t.deepEqual(d.loadersFor('a', 0), ['commonjs']);
  d.heard('a', 'commonjs', 1000);
  d.heard('a', null, 1000);
  t.deepEqual(d.loadersFor('a', 1000), ['commonjs']);
  d.heard('a', 'module', 2000);
  t.deepEqual(d.loadersFor('a', 2000), ['commonjs', 'module']);
  t.deepEqual(d.loadersFor('b', 2000), ['commonjs'], 'another shape is not concerned');
});

test('the ES-module loader is warmed for the window after the last ES-module handler, not after', (t) => {
  const d = new LoaderDemand(60_000);
  d.heard('a', 'module', 0);
  d.heard('a', 'commonjs', 30_000); // a CommonJS handler does not end the window
  t.deepEqual(d.loadersFor('a', 59_999), ['commonjs', 'module']);
  t.deepEqual(d.loadersFor('a', 60_000), ['commonjs']);
  d.heard('a', 'module', 70_000);
  t.deepEqual(d.loadersFor('a', 129_999), ['commonjs', 'module']);
});

test('shapes whose window ended are forgotten', (t) => {
  const d = new LoaderDemand(1000);
  d.heard('old', 'module', 0);
  d.heard('new', 'module', 5000);
  t.deepEqual(d.loadersFor('old', 5000), ['commonjs']);
  t.is((d as unknown as { moduleSeen: Map<string, number> }).moduleSeen.size, 1);
});
