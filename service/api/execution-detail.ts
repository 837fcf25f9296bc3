/**
 * One execution as GET /v1/executions/{id} and a sync invoke answer it: the result inline
 * when it is small, else `result_truncated` and the URL that streams it whole.
 */
import type { ExecutionSummary } from '../model.js';
import { wholeResultOf, type ExecutionStore } from '../store/execution-store.js';
import { executionSummaryJson } from './serialize.js';

/** Results up to this size (bytes of JSON text) come inline; larger ones only from result_url. */
export const RESULT_INLINE_MAX_BYTES = 256 * 1024;

export const resultUrl = (id: string) => `/v1/executions/${encodeURIComponent(id)}/result`;

export async function executionDetailJson(executions: ExecutionStore, e: ExecutionSummary) {
  const has = e.resultBytes !== null;
  const inline = has && e.resultBytes! <= RESULT_INLINE_MAX_BYTES;
  const text = inline ? (wholeResultOf(e) ?? (await executions.resultText(e.id))) : null;
  return {
    ...executionSummaryJson(e),
    result: text === null ? null : (JSON.parse(text) as unknown),
    result_truncated: has && !inline,
    result_url: has ? resultUrl(e.id) : null,
  };
}
