/**
 * What the service and its unpacker process (unpack-worker.ts) say to each other. The
 * service passes WorkerArgs as the one command-line argument and the archive on stdin; the
 * worker answers with WorkerReport objects on stdout, one JSON line each: `dropped` first
 * (once it runs as `identity`, before it reads any byte of the archive), then exactly one of
 * `done`, `refused` (the package is bad: the message says why) or `failed` (the host's fault).
 */
import type { ArchiveFormat, UnpackLimits } from './unpack.js';

/** Default uid (and gid) archives are unpacked as: owns nothing, just below the local sandboxes' uid range. */
export const DEFAULT_UNPACK_UID = 199_999;

/** The uid/gid the unpacking runs as; null when the service is not root (nothing to drop). */
export type UnpackIdentity = { uid: number; gid: number } | null;

export interface WorkerArgs {
  format: ArchiveFormat;
  limits: UnpackLimits;
  identity: UnpackIdentity;
}

export type WorkerReport =
  | { kind: 'dropped'; uid: number; gid: number; groups: number[]; capEff: string }
  | { kind: 'done'; entries: number; bytes: number }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };
