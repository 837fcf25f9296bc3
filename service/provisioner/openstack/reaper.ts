/**
 * Deletes servers nobody owns any more, so that nothing leaks when a process dies. Every
 * `intervalMs` it lists this deployment's servers — Nova filters by name (regex on the
 * prefix); the `fnstack:service` metadata is matched here, Nova having no metadata filter —
 * and decides for each:
 *
 *   - its runner-session row (by server id, or by name while the id is not recorded yet)
 *     decides: kept while the row's lease is live (the owning process renews it — this
 *     covers warm-pool servers and servers in use alike);
 *   - without any row: kept while the execution named in `fnstack:execution` is live
 *     (not final, lease not run out); deleted otherwise.
 *
 * Safe with any number of service processes: they all decide alike, a second DELETE is
 * harmless (404), and a live owner's server is never touched. A server whose execution was
 * taken over by another process after its owner died is deleted: it is not where the
 * execution runs any more.
 */
import type { Logger } from 'pino';
import type { ComputeClient, Server } from '../../openstack/index.js';
import type { RunnerSession, RunnerSessionStore } from '../../store/runner-session-store.js';
import { META_EXECUTION, META_SERVICE } from './server-factory.js';

export interface ReaperOptions {
  compute: ComputeClient;
  sessions: RunnerSessionStore;
  serverNamePrefix: string;
  serviceTag: string;
  intervalMs: number;
  /** Rows whose lease ran out this long ago (and whose server is gone) are removed. Default 10 min. */
  forgetAfterMs?: number;
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface SweepResult {
  checked: number;
  deleted: Array<{ id: string; name: string; why: string }>;
}

export class Reaper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly o: ReaperOptions) {}

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.sweep()
        .then((r) => {
          if (r.deleted.length > 0) this.o.logger?.info({ deleted: r.deleted }, 'reaper deleted orphaned servers');
        })
        .catch((err: unknown) => this.o.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'reaper sweep failed'))
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(tick, this.o.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.o.intervalMs).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  async sweep(now = Date.now()): Promise<SweepResult> {
    const { compute, sessions } = this.o;
    const servers = (await compute.listServers({ name: `^${escapeRegex(this.o.serverNamePrefix)}`, metadata: { [META_SERVICE]: this.o.serviceTag } })).filter(
      (s) => s.status !== 'DELETED' && s.status !== 'SOFT_DELETED',
    );
    const rows = await sessions.forServers(
      servers.map((s) => s.id),
      servers.map((s) => s.name),
    );
    const deleted: SweepResult['deleted'] = [];
    for (const server of servers) {
      const why = await this.orphaned(server, rows, now);
      if (!why) continue;
      try {
        await compute.deleteServer(server.id);
        deleted.push({ id: server.id, name: server.name, why });
      } catch (err) {
        this.o.logger?.warn({ server: server.id, err: err instanceof Error ? err.message : String(err) }, 'reaper could not delete a server');
      }
    }
    await sessions.removeExpired(now - (this.o.forgetAfterMs ?? 600_000));
    return { checked: servers.length, deleted };
  }

  /** Why the server has no owner any more, or null when it has one. */
  private async orphaned(server: Server, rows: RunnerSession[], now: number): Promise<string | null> {
    const own = rows.filter((r) => r.serverId === server.id);
    const pending = rows.filter((r) => r.serverId === null && r.serverName === server.name);
    const mine = own.length > 0 ? own : pending;
    if (mine.length > 0) {
      if (mine.some((r) => r.leaseUntil > now)) return null;
      return `the lease of its owner (${mine[0]!.owner}) ran out`;
    }
    const executionId = server.metadata[META_EXECUTION];
    if (executionId && executionId !== '-' && (await this.o.sessions.executionLive(executionId, now))) return null;
    return executionId && executionId !== '-' ? `no runner session, and execution ${executionId} is not live` : 'no runner session and no execution';
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
