/**
 * `http`: a webhook per trigger, `POST /v1/hooks/{trigger_id}`. The caller proves it knows the
 * trigger's secret either by sending it (`X-Fnstack-Secret: <secret>`, or GitLab's
 * `X-Gitlab-Token`) or by signing the raw body with it (`X-Fnstack-Signature:
 * sha256=<hex HMAC-SHA256(secret, body)>`, or GitHub's `X-Hub-Signature-256`, the same form),
 * so GitHub and GitLab can call a webhook directly with the trigger's secret as theirs.
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
/** GitHub signs each delivery this way with the webhook's secret. */
export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';
/** GitLab sends the webhook's secret token as it is. */
export const GITLAB_TOKEN_HEADER = 'x-gitlab-token';

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

/** Headers that carry the secret itself: ours, and GitLab's webhook token. */
export const SECRET_HEADERS = [SECRET_HEADER, GITLAB_TOKEN_HEADER] as const;
/** Headers that carry `sha256=<hex HMAC-SHA256(secret, raw body)>`: ours, and GitHub's. */
export const SIGNATURE_HEADERS = [SIGNATURE_HEADER, GITHUB_SIGNATURE_HEADER] as const;

/**
 * Checks a webhook request's proof of the secret: every proof header sent must hold (a wrong
 * one is never outvoted by a right one), and at least one must be sent.
 */
export function verifyWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, secrets: TriggerSecrets, secretsKey: string, triggerId: string): WebhookAuth {
  let proofs = 0;
  for (const name of SECRET_HEADERS) {
    const given = one(headers[name]);
    if (given === undefined) continue;
    proofs++;
    if (!secrets.secretHash || !secretMatches(given, secrets.secretHash)) return { ok: false, reason: `${name} does not match the trigger's secret` };
  }
  for (const name of SIGNATURE_HEADERS) {
    const signature = one(headers[name]);
    if (signature === undefined) continue;
    proofs++;
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
    if (!m) return { ok: false, reason: `${name} must be sha256=<64 hex digits>` };
    if (!secrets.sealedSecret) return { ok: false, reason: 'this trigger has no signing secret' };
    const secret = String(openJson(secretsKey, secrets.sealedSecret, triggerId).secret);
    const want = createHmac('sha256', secret).update(rawBody).digest();
    const got = Buffer.from(m[1]!, 'hex');
    if (!(got.length === want.length && timingSafeEqual(got, want))) return { ok: false, reason: `${name} does not match the body` };
  }
  if (proofs > 0) return { ok: true };
  return { ok: false, reason: `send the trigger's secret in ${SECRET_HEADER} (or ${GITLAB_TOKEN_HEADER}), or sign the body in ${SIGNATURE_HEADER} (or ${GITHUB_SIGNATURE_HEADER}): sha256=<hmac>` };
}

/** Signs a body the way the webhook expects (for clients and tests). */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
