/** The part of a stream that live output needs; process.stderr satisfies it. */
export interface TermStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export const CLEAR_LINE = '\r\u001b[K';

export const isInteractive = (stream: TermStream): boolean => stream.isTTY === true;
