/**
 * Which of Node's module loaders the next pre-started sandbox of a shape warms. Warming the
 * ES-module loader costs every sandbox ~5 ms of CPU, about a tenth of a per-event run, and
 * spares an ES-module handler ~7 ms on its event's path (bench/README.md). So a shape's
 * sandboxes warm it only while ES-module handlers ran in that shape within `windowMs`; the
 * CommonJS loader is always warmed. What ran is what the executor reported: a function could
 * report anything, and at worst makes its shape's sandboxes warm both loaders, as a real
 * ES-module function would.
 */
import type { ModuleFormat } from '../../runner/protocol.js';

export class LoaderDemand {
  /** Per shape, when an ES-module handler last ran. */
  private readonly moduleSeen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** A handler loaded as `format` ran in a sandbox of `shape`. */
  heard(shape: string, format: ModuleFormat | null, now = Date.now()): void {
    if (format !== 'module') return;
    this.moduleSeen.set(shape, now);
    for (const [s, at] of this.moduleSeen) if (now - at >= this.windowMs) this.moduleSeen.delete(s);
  }

  /** The loaders a sandbox of `shape` started now warms. */
  loadersFor(shape: string, now = Date.now()): ModuleFormat[] {
    const at = this.moduleSeen.get(shape);
    return at !== undefined && now - at < this.windowMs ? ['commonjs', 'module'] : ['commonjs'];
  }
}
