/**
 * A source of events that runs in the background (schedules, the service broker, tenant
 * brokers, OpenStack notifications): started once per worker process, it hands every event
 * to the Ingest it was made with and stops on close().
 */
export interface EventSource {
  readonly name: string;
  start(): void;
  close(): Promise<void>;
}
