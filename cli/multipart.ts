/**
 * A multipart/form-data body written by hand as a pull-driven stream, so that the bytes
 * counted are the bytes the HTTP client has actually taken (FormData + Blob would hand the
 * whole file over at once and leave nothing to report progress on). The total length is
 * known up front, which lets the service refuse an oversized upload before reading it.
 */
import { randomBytes } from 'node:crypto';

export interface FieldPart {
  name: string;
  value: string;
  contentType?: string;
}

export interface FilePart {
  name: string;
  filename: string;
  contentType: string;
  size: number;
  open(): AsyncIterable<Uint8Array>;
}

export type Part = FieldPart | FilePart;

export type ProgressListener = (sent: number, total: number) => void;

export interface MultipartBody {
  contentType: string;
  length: number;
  body: ReadableStream<Uint8Array>;
}

const CRLF = '\r\n';

export function buildMultipart(parts: Part[], onProgress?: ProgressListener, boundary = newBoundary()): MultipartBody {
  const encoder = new TextEncoder();
  const heads = parts.map((p, i) => encoder.encode(`${i === 0 ? '' : CRLF}--${boundary}${CRLF}${partHeaders(p)}${CRLF}${CRLF}`));
  const tail = encoder.encode(`${CRLF}--${boundary}--${CRLF}`);
  const bodies = parts.map((p) => ('value' in p ? encoder.encode(p.value) : null));
  const length =
    heads.reduce((n, h) => n + h.byteLength, 0) +
    parts.reduce((n, p, i) => n + (bodies[i]?.byteLength ?? (p as FilePart).size), 0) +
    tail.byteLength;

  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const [i, part] of parts.entries()) {
      yield heads[i]!;
      const inline = bodies[i];
      if (inline) {
        yield inline;
        continue;
      }
      const file = part as FilePart;
      let seen = 0;
      for await (const chunk of file.open()) {
        seen += chunk.byteLength;
        if (seen > file.size) throw new Error(`${file.filename} grew while it was being uploaded`);
        yield chunk;
      }
      if (seen !== file.size) throw new Error(`${file.filename} changed while it was being uploaded`);
    }
    yield tail;
  }

  const iterator = chunks();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await iterator.next();
        if (done) {
          controller.close();
          return;
        }
        sent += value.byteLength;
        controller.enqueue(value);
        onProgress?.(sent, length);
      },
      async cancel() {
        await iterator.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, length, body };
}

function partHeaders(part: Part): string {
  if ('value' in part) {
    const type = part.contentType ? `${CRLF}Content-Type: ${part.contentType}` : '';
    return `Content-Disposition: form-data; name="${quote(part.name)}"${type}`;
  }
  return (
    `Content-Disposition: form-data; name="${quote(part.name)}"; filename="${quote(part.filename)}"${CRLF}` +
    `Content-Type: ${part.contentType}`
  );
}

/** The HTML form encoding of names: quotes and line breaks are percent-escaped. */
function quote(s: string): string {
  return s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function newBoundary(): string {
  return `----fnstack-${randomBytes(16).toString('hex')}`;
}
