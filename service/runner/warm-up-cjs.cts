/** Loaded (and called) once by a pre-started executor before it says `ready`: see warm-executor's warmUp. */
export async function handler(event: unknown, context: { executionId: string }): Promise<unknown> {
  return { ok: true, event, id: context.executionId };
}
