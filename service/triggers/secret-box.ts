/**
 * Secrets at rest: AES-256-GCM with the service's secrets key (config `secrets_key`). The
 * sealed text is `v1.<iv>.<tag>.<ciphertext>` (base64url); the trigger id is the associated
 * data, so a sealed value copied onto another trigger does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function seal(keyHex: string, plaintext: string, associated: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), iv);
  cipher.setAAD(Buffer.from(associated));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** Throws when the key is wrong or the text was tampered with. */
export function open(keyHex: string, sealed: string, associated: string): string {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || iv === undefined || tag === undefined || ct === undefined) throw new Error('sealed secret: unknown format');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(associated));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}

export function sealJson(keyHex: string, value: Record<string, unknown>, associated: string): string {
  return seal(keyHex, JSON.stringify(value), associated);
}

export function openJson(keyHex: string, sealed: string, associated: string): Record<string, unknown> {
  return JSON.parse(open(keyHex, sealed, associated)) as Record<string, unknown>;
}

/** `<salt hex>:<sha256(salt ‖ secret) hex>`: the stored form of a webhook secret. */
export function hashSecret(secret: string, salt: Buffer = randomBytes(16)): string {
  return `${salt.toString('hex')}:${createHash('sha256').update(salt).update(secret).digest('hex')}`;
}

export function secretMatches(secret: string, stored: string): boolean {
  const [saltHex, hashHex] = stored.split(':');
  if (!saltHex || !hashHex) return false;
  const got = Buffer.from(hashSecret(secret, Buffer.from(saltHex, 'hex')).split(':')[1]!, 'hex');
  const want = Buffer.from(hashHex, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
