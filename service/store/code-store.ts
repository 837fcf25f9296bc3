/**
 * Code packages, content-addressed by sha256 and chunked into the store so that any
 * service process on any machine can read them. Each process keeps a local cache of the
 * unpacked trees (see code/code-cache.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { CodeRef } from '../model.js';
import { isUniqueViolation } from './function-store.js';

const CHUNK_BYTES = 1024 * 1024;

export class CodeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async has(sha256: string): Promise<boolean> {
    return (await this.db.selectFrom('code_packages').select('sha256').where('sha256', '=', sha256).executeTakeFirst()) !== undefined;
  }

  /** Stores the blob unless it is already there (uploads of identical code share it). */
  async put(ref: CodeRef, blob: Buffer): Promise<void> {
    if (await this.has(ref.sha256)) return;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (let seq = 0, off = 0; off < blob.length || seq === 0; seq++, off += CHUNK_BYTES) {
          await trx.insertInto('code_chunks').values({ sha256: ref.sha256, seq, data: blob.subarray(off, off + CHUNK_BYTES) }).execute();
        }
        await trx
          .insertInto('code_packages')
          .values({ sha256: ref.sha256, size_bytes: ref.sizeBytes, format: ref.format, file_name: ref.fileName, created_at: Date.now() })
          .execute();
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // a concurrent upload of the same code won
    }
  }

  async get(sha256: string): Promise<Buffer | null> {
    const rows = await this.db.selectFrom('code_chunks').select(['data']).where('sha256', '=', sha256).orderBy('seq').execute();
    if (rows.length === 0) return null;
    return Buffer.concat(rows.map((r) => Buffer.from(r.data)));
  }
}
