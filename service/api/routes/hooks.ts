/**
 * POST /v1/hooks/{trigger_id}: the webhook of an `http` trigger (no API key: the trigger's
 * secret, sent or used to sign the body, is the credential; see service/triggers/kind-http.ts).
 * The body becomes the event's data; 202 once the event is durable on the work queue.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { BODY_LIMITS } from '../body-limits.js';
import { docsOnlyBody } from '../docs-only-body.js';
import { TriggerCatalog } from '../../store/trigger-store.js';
import { verifyWebhook, SECRET_HEADER, SIGNATURE_HEADER, GITHUB_SIGNATURE_HEADER, GITLAB_TOKEN_HEADER } from '../../triggers/kind-http.js';
import { TRIGGER_ATTR } from '../../triggers/event-attrs.js';
import { Ingest } from '../../listener/ingest.js';
import { bodyAsData, fromStructured, mediaTypeOf, newCloudEvent, STRUCTURED_TYPE } from '../../listener/cloudevents.js';
import type { CloudEvent } from '../../runner/protocol.js';

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
      description: `Authenticated by the trigger's secret: header ${SECRET_HEADER} (or GitLab's ${GITLAB_TOKEN_HEADER}): <secret>, or ${SIGNATURE_HEADER} (or GitHub's ${GITHUB_SIGNATURE_HEADER}): sha256=<hex HMAC-SHA256 of the raw body with the secret>; every proof sent must hold. A JSON body becomes the event data as parsed; other text as a string; anything else as data_base64. Optional ce-id (or X-Fnstack-Delivery, X-GitHub-Delivery, X-Gitlab-Event-UUID), ce-type (else com.github.<X-GitHub-Event> or com.gitlab.<X-Gitlab-Event>), ce-subject headers fill the CloudEvent; a repeated id runs nothing twice. A body of Content-Type application/cloudevents+json is the CloudEvent itself.`,
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

      const contentType = mediaTypeOf(req.headers['content-type']);
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === 'string' && v.length > 0 && v.length <= 1024 ? v : undefined;
      };
      // A structured CloudEvent is the event itself (its id, source and type kept); it is
      // addressed to this trigger whatever it says.
      const event: CloudEvent =
        contentType === STRUCTURED_TYPE
          ? { ...fromStructured(raw), [TRIGGER_ATTR]: id }
          : newCloudEvent({
              id: header('ce-id') ?? header('x-fnstack-delivery') ?? header('x-github-delivery') ?? header('x-gitlab-event-uuid'),
              source: `fnstack:/hooks/${id}`,
              type: header('ce-type') ?? vendorType(header('x-github-event'), header('x-gitlab-event')) ?? 'fnstack.webhook',
              subject: header('ce-subject'),
              ...(raw.length === 0 ? { datacontenttype: 'application/json', data: {} } : bodyAsData(raw, contentType)),
              extensions: { [TRIGGER_ATTR]: id },
            });
      // One execution, if the trigger's filter holds; the orchestrator enforces the quota exactly.
      await ingest.events(found.trigger.projectId, [event], 'addressed', req.id);
      return reply.code(202).send({ accepted: event.id });
    },
  });
}

/** GitHub's `push` → com.github.push; GitLab's `Push Hook` → com.gitlab.push_hook. */
function vendorType(github: string | undefined, gitlab: string | undefined): string | undefined {
  const slug = (v: string) => v.toLowerCase().replace(/[^a-z0-9_.-]+/g, '_');
  if (github) return `com.github.${slug(github)}`;
  if (gitlab) return `com.gitlab.${slug(gitlab)}`;
  return undefined;
}
