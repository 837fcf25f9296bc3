/**
 * Waiting for an execution to reach a final status by polling, used when a synchronous
 * invoke cannot be answered on the same request (the HTTP client gives up on a response
 * after 300 s, while a function may run for longer) and by `execution logs --follow`.
 */
import type { ApiClient } from './api-client.js';
import { isFinalStatus, type ExecutionInfo, type ExecutionStatus, type ExecutionSummaryInfo } from './api-types.js';
import { CliError } from './errors.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polling interval: quick at first (most functions are short), then at most once a second. */
export function pollDelay(attempt: number): number {
  return Math.min(1000, 100 * 2 ** Math.min(attempt, 4));
}

export async function waitForExecution(
  client: ApiClient,
  id: string,
  onStatus?: (status: ExecutionStatus) => void,
): Promise<ExecutionInfo> {
  for (let attempt = 0; ; attempt++) {
    const execution = await client.getExecution(id);
    onStatus?.(execution.status);
    if (isFinalStatus(execution.status)) return execution;
    await sleep(pollDelay(attempt));
  }
}

/** The execution the service made for our event id (the CLI sets ce-id itself, so it can find it). */
export async function findExecutionByEvent(client: ApiClient, functionName: string, eventId: string): Promise<ExecutionSummaryInfo> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const recent = await client.listExecutions({ function: functionName, limit: 50 });
    const match = recent.find((e) => e.event_id === eventId);
    if (match) return match;
    await sleep(pollDelay(attempt));
  }
  throw new CliError(`the service did not record an execution for event ${eventId}; see \`fnstack execution list --function ${functionName}\``);
}
