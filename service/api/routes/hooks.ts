/**
 * POST /v1/hooks/{trigger_id}: the webhook of an `http` trigger (no API key: the trigger's
 * secret, sent or used to sign the body, is the credential; see service/triggers/kind-http.ts).
 * The body becomes the event's data; 202 once the event is durable on the work queue.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { BODY_LIMITS } from '../body-limits.js';
import { parseJsonBytes } from '../json-body.js';
import { docsOnlyBody } from '../docs-only-body.js';
import { TriggerCatalog } from '../../store/trigger-store.js';
import { verifyWebhook, SECRET_HEADER, SIGNATURE_HEADER } from '../../triggers/kind-http.js';
import { TRIGGER_ATTR } from '../../triggers/event-attrs.js';
import { Ingest } from '../../listener/ingest.js';
import { newCloudEvent, type NewCloudEvent } from '../../listener/cloudevents.js';

const MAX_BODY = BODY_LIMITS.webhook;

export default async function hookRoutes(app: FastifyInstance) {
  const { store, queue, config } = app.fnstack;
  const catalog = new TriggerCatalog(store.db);
  const ingest = new Ingest(store, queue, config.quotas);
  // The signature covers the raw bytes, so this plugin (encapsulated) keeps bodies unparsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_req, body, done) => done(null, body));

  app.post('/v1/hooks/:id', {
    config: { access: 'public' },
    bodyLimit: MAX_BODY,
    schema: {
      summary: 'Deliver to an http trigger’s webhook',
      description: `Authenticated by the trigger's secret: header ${SECRET_HEADER}: <secret>, or ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body with the secret>. A JSON body becomes the event data as parsed; other text as a string; anything else as data_base64. Optional ce-id (or X-Fnstack-Delivery), ce-type, ce-subject headers fill the CloudEvent; a repeated id runs nothing twice.`,
      tags: ['triggers'],
      security: [],
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      consumes: ['application/json', 'text/plain', 'application/octet-stream'],
      body: { description: 'Any body, at most the webhook limit: JSON becomes the event data, other text a string, anything else data_base64' },
      response: {
        202: { type: 'object', required: ['accepted'], properties: { accepted: { type: 'string', description: 'The event id' } }, examples: [{ accepted: 'd2b0c1f4-5e6a-4b7c-8d9e-0f1a2b3c4d5e' }] },
        ...errorResponses(400, 401, 404, 409, 429, 503),
      },
    },
    // The raw bytes are the body (the signature covers them); its schema documents it.
    validatorCompiler: docsOnlyBody,
    handler: async (req, reply) => {
      const { id } = req.params as { id: string };
      const found = await catalog.byIdWithSecrets(id);
      if (!found || found.trigger.kind !== 'http') throw notFound('webhook', id);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = verifyWebhook(req.headers, raw, found.secrets, config.secretsKey, id);
      if (!auth.ok) throw new ApiError('unauthorized', auth.reason);
      if (!found.trigger.enabled) throw new ApiError('conflict', `trigger '${found.trigger.name}' is disabled`);

      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === 'string' && v.length > 0 && v.length <= 1024 ? v : undefined;
      };
      const event = newCloudEvent({
        id: header('ce-id') ?? header('x-fnstack-delivery'),
        source: `fnstack:/hooks/${id}`,
        type: header('ce-type') ?? 'fnstack.webhook',
        subject: header('ce-subject'),
        ...bodyAsData(raw, contentType),
        extensions: { [TRIGGER_ATTR]: id },
      });
      // One execution, if the trigger's filter holds; the orchestrator enforces the quota exactly.
      await ingest.events(found.trigger.projectId, [event], 'addressed', req.id);
      return reply.code(202).send({ accepted: event.id });
    },
  });
}

function bodyAsData(raw: Buffer, contentType: string): Pick<NewCloudEvent, 'datacontenttype' | 'data' | 'data_base64'> {
  if (raw.length === 0) return { datacontenttype: 'application/json', data: {} };
  if (contentType === '' || contentType === 'application/json' || contentType.endsWith('+json')) {
    return { datacontenttype: 'application/json', data: parseJsonBytes(raw, 'body') };
  }
  if (contentType.startsWith('text/') || contentType === 'application/x-www-form-urlencoded' || contentType === 'application/xml') {
    return { datacontenttype: contentType, data: raw.toString('utf8') };
  }
  return { datacontenttype: contentType, data_base64: raw.toString('base64') };
}
