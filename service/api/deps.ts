/** What the API needs from the rest of the service; decorated on the Fastify instance as `fnstack`. */
import type { Config } from '../config.js';
import type { Store, ProjectStore } from '../store/store.js';
import type { WorkQueue } from '../queue/queue.js';
import type { CodeCache } from '../code/code-cache.js';
import type { ExecutionEvents } from '../orchestrator/execution-events.js';
import type { Provider } from '../provisioner/provider.js';
import type { Principal } from '../store/account-store.js';
import type { DirectLane } from '../listener/ingest.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

export interface ApiDeps {
  config: Readonly<Config>;
  store: Store;
  queue: WorkQueue;
  codeCache: CodeCache;
  events: ExecutionEvents;
  /** Used to check at create/update time that a function can be hosted. */
  provider: Provider;
  /** The worker of this process, when there is one: sync invokes run in its free slots directly. */
  directLane?: DirectLane | null;
  /** This process's Prometheus metrics (GET /metrics); a fresh set when not given. */
  metrics?: ServiceMetrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    fnstack: ApiDeps;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The caller's project; every tenant query goes through it. Throws 401 when unauthenticated. */
    project(): ProjectStore;
  }
  interface FastifyContextConfig {
    /** `public`: no credentials; `read`: any role; `write`: admin or member. Default `write`. */
    access?: 'public' | 'read' | 'write';
  }
}
