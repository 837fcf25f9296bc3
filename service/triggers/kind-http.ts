/**
 * `http`: a webhook per trigger, `POST /v1/hooks/{trigger_id}`. The caller proves it knows the
 * trigger's secret either by sending it (`X-Fnstack-Secret: <secret>`) or by signing the raw
 * body with it (`X-Fnstack-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, GitHub style).
 *
 * The secret is shown once at creation. It is stored as a salted hash (for the header check)
 * and, because an HMAC can only be checked with the key itself, also sealed with the secrets
 * key (AES-256-GCM); neither is ever returned.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { onlyKeys, type PrepareKind } from './kind.js';
import { hashSecret, openJson, secretMatches, sealJson } from './secret-box.js';
import type { TriggerSecrets } from '../store/trigger-store.js';

export const SECRET_HEADER = 'x-fnstack-secret';
export const SIGNATURE_HEADER = 'x-fnstack-signature';

export const prepareHttp: PrepareKind = (raw, ctx) => {
  onlyKeys(raw, [], 'http');
  if (ctx.existing?.secrets.secretHash) return { config: {} }; // an update keeps the secret
  return { config: {}, ...newWebhookSecret(ctx.secretsKey, ctx.triggerId) };
};

export function newWebhookSecret(secretsKey: string, triggerId: string): { secrets: Partial<TriggerSecrets>; reveal: { secret: string } } {
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  return {
    secrets: { secretHash: hashSecret(secret), sealedSecret: sealJson(secretsKey, { secret }, triggerId) },
    reveal: { secret },
  };
}

export type WebhookAuth = { ok: true } | { ok: false; reason: string };

/** Checks a webhook request's proof of the secret. */
export function verifyWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, secrets: TriggerSecrets, secretsKey: string, triggerId: string): WebhookAuth {
  const given = one(headers[SECRET_HEADER]);
  const signature = one(headers[SIGNATURE_HEADER]);
  if (given !== undefined) {
    return secrets.secretHash && secretMatches(given, secrets.secretHash) ? { ok: true } : { ok: false, reason: `${SECRET_HEADER} does not match the trigger's secret` };
  }
  if (signature !== undefined) {
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
    if (!m) return { ok: false, reason: `${SIGNATURE_HEADER} must be sha256=<64 hex digits>` };
    if (!secrets.sealedSecret) return { ok: false, reason: 'this trigger has no signing secret' };
    const secret = String(openJson(secretsKey, secrets.sealedSecret, triggerId).secret);
    const want = createHmac('sha256', secret).update(rawBody).digest();
    const got = Buffer.from(m[1]!, 'hex');
    return got.length === want.length && timingSafeEqual(got, want) ? { ok: true } : { ok: false, reason: `${SIGNATURE_HEADER} does not match the body` };
  }
  return { ok: false, reason: `send the trigger's secret in ${SECRET_HEADER}, or sign the body in ${SIGNATURE_HEADER}: sha256=<hmac>` };
}

/** Signs a body the way the webhook expects (for clients and tests). */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
