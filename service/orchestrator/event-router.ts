/**
 * Decides which functions an event runs. The orchestrator asks the router for every
 * event on the work queue; triggers (service/triggers/) are the router's source of bindings.
 */
import type { CloudEvent } from '../runner/protocol.js';

export interface RouteTarget {
  functionName: string;
  /** The binding that matched (recorded as the trigger's last fire), if any. */
  triggerId?: string;
}

export interface EventRouter {
  /** The functions of `projectId` this event must run, each at most once. */
  route(projectId: string, event: CloudEvent): Promise<RouteTarget[]>;
  /** Called after the executions for a target were created (trigger bookkeeping). */
  fired?(projectId: string, target: RouteTarget, event: CloudEvent, error?: string): Promise<void>;
}

/** Routes nothing by itself: only events addressed to one function (`functionName` on the message) run. */
export const noBindings: EventRouter = {
  route: async () => [],
};
