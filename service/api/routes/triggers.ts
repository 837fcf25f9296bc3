/**
 * /v1/triggers: create, list, show, update, delete, enable, disable. A trigger binds an event
 * source (kind + config) and a filter to one of the project's functions; see docs/triggers.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, invalid, notFound } from '../../errors.js';
import { errorResponses } from '../schemas.js';
import { TRIGGER_KINDS, newTriggerId, type Trigger, type TriggerKind } from '../../store/trigger-store.js';
import { validateFilter } from '../../triggers/filter.js';
import { PREPARE } from '../../triggers/kinds.js';
import type { KindContext, PreparedConfig } from '../../triggers/kind.js';
import { TriggerBodySchema, triggerJson } from '../../triggers/trigger-json.js';
import { brokerPolicyOf } from '../../triggers/broker-policy.js';

const NAME = '^[a-z0-9][a-z0-9-]{0,62}$';
const { $id: _id, ...TriggerBody } = TriggerBodySchema;
const nameParam = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 63 } } } as const;
const configProp = {
  type: 'object',
  additionalProperties: true,
  description:
    'Kind-specific. event: {pattern}. http: {}. amqp: {pattern} on the service broker, or {broker_url, queue, prefetch?} on your own. schedule: {cron, timezone?, catch_up?: skip|run-once, data?}. openstack: {event_type, project_id?}.',
} as const;
const filterProp = {
  type: 'object',
  additionalProperties: true,
  description: 'Every condition given must hold: {type, source, subject_prefix, data: {"a.b": value}}',
} as const;

interface CreateBody {
  name: string;
  function: string;
  kind: TriggerKind;
  config?: Record<string, unknown>;
  filter?: unknown;
  enabled?: boolean;
}

interface UpdateBody {
  function?: string;
  config?: Record<string, unknown>;
  filter?: unknown;
  enabled?: boolean;
}

export default async function triggerRoutes(app: FastifyInstance) {
  const { config } = app.fnstack;
  const brokerPolicy = brokerPolicyOf(config);
  const baseUrl = (req: FastifyRequest) => (config.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
  const context = (req: FastifyRequest, triggerId: string, existing?: KindContext['existing']): KindContext => ({
    triggerId,
    secretsKey: config.secretsKey,
    principal: req.principal!,
    osNotificationsUrl: config.osNotificationsUrl,
    brokerPolicy,
    scheduleMinIntervalS: config.triggers.scheduleMinIntervalS,
    ...(existing ? { existing } : {}),
  });

  app.post('/v1/triggers', {
    schema: {
      summary: 'Create a trigger',
      description: 'An http trigger’s answer carries its webhook secret, shown this once.',
      tags: ['triggers'],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'function', 'kind'],
        properties: {
          name: { type: 'string', pattern: NAME, description: 'lower-case letters, digits and -, at most 63' },
          function: { type: 'string', minLength: 1, maxLength: 63, description: 'the function it runs (of this project)' },
          kind: { type: 'string', enum: [...TRIGGER_KINDS] },
          config: configProp,
          filter: filterProp,
          enabled: { type: 'boolean', default: true },
        },
      },
      response: { 201: TriggerBody, ...errorResponses(400, 401, 403, 409) },
    },
    handler: async (req, reply) => {
      const body = req.body as CreateBody;
      const scope = req.project();
      const filter = validateFilter(body.filter);
      const id = newTriggerId();
      const prepared: PreparedConfig = PREPARE[body.kind](body.config ?? {}, context(req, id));
      await prepared.verify?.();
      if (!(await scope.functions.get(body.function))) throw invalid('function', `function '${body.function}' does not exist in this project`);
      const created = await scope.triggers.create({
        id,
        name: body.name,
        functionName: body.function,
        kind: body.kind,
        config: prepared.config,
        filter,
        enabled: body.enabled ?? true,
        ...(prepared.secrets ? { secrets: prepared.secrets } : {}),
      });
      if (!created) throw new ApiError('conflict', `trigger '${body.name}' already exists`, 'name');
      return reply.code(201).send({ ...triggerJson(created, baseUrl(req)), ...(prepared.reveal ? { secret: prepared.reveal.secret } : {}) });
    },
  });

  app.get('/v1/triggers', {
    config: { access: 'read' },
    schema: {
      summary: 'List the project’s triggers',
      tags: ['triggers'],
      querystring: {
        type: 'object',
        properties: {
          function: { type: 'string', maxLength: 63 },
          kind: { type: 'string', enum: [...TRIGGER_KINDS] },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { type: 'string', maxLength: 63 },
        },
      },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: TriggerBody }, next_cursor: { type: ['string', 'null'] } } }, ...errorResponses(400, 401) },
    },
    handler: async (req) => {
      const q = req.query as { function?: string; kind?: TriggerKind; limit: number; cursor?: string };
      const page = await req.project().triggers.list({ functionName: q.function, kind: q.kind }, q.limit, q.cursor ?? null);
      return { items: page.items.map((t) => triggerJson(t, baseUrl(req))), next_cursor: page.nextCursor };
    },
  });

  app.get('/v1/triggers/:name', {
    config: { access: 'read' },
    schema: { summary: 'Show a trigger', tags: ['triggers'], params: nameParam, response: { 200: TriggerBody, ...errorResponses(401, 404) } },
    handler: async (req) => triggerJson(await mustGet(req), baseUrl(req)),
  });

  app.patch('/v1/triggers/:name', {
    schema: {
      summary: 'Change a trigger (its kind and name stay)',
      description: 'config, when given, replaces the whole config (an amqp tenant-broker trigger keeps its stored broker_url if the new config leaves it out).',
      tags: ['triggers'],
      params: nameParam,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { function: { type: 'string', minLength: 1, maxLength: 63 }, config: configProp, filter: filterProp, enabled: { type: 'boolean' } },
      },
      response: { 200: TriggerBody, ...errorResponses(400, 401, 403, 404) },
    },
    handler: async (req) => {
      const body = req.body as UpdateBody;
      const scope = req.project();
      const current = await mustGet(req);
      const filter = body.filter === undefined ? undefined : validateFilter(body.filter);
      let prepared: PreparedConfig | undefined;
      if (body.config !== undefined) {
        const secrets = (await scope.triggers.secretsOf(current.id)) ?? { secretHash: null, sealedSecret: null };
        prepared = PREPARE[current.kind](body.config, context(req, current.id, { config: current.config, secrets }));
        await prepared.verify?.();
      }
      if (body.function !== undefined && !(await scope.functions.get(body.function))) throw invalid('function', `function '${body.function}' does not exist in this project`);
      const updated = await scope.triggers.update(current.name, {
        ...(body.function !== undefined ? { functionName: body.function } : {}),
        ...(prepared ? { config: prepared.config, ...(prepared.secrets ? { secrets: prepared.secrets } : {}) } : {}),
        ...(filter !== undefined ? { filter } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      });
      if (!updated) throw notFound('trigger', current.name);
      return triggerJson(updated, baseUrl(req));
    },
  });

  app.delete('/v1/triggers/:name', {
    schema: { summary: 'Delete a trigger', tags: ['triggers'], params: nameParam, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
    handler: async (req, reply) => {
      const { name } = req.params as { name: string };
      if (!(await req.project().triggers.delete(name))) throw notFound('trigger', name);
      return reply.code(204).send();
    },
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post(`/v1/triggers/:name/${action}`, {
      schema: { summary: `${action === 'enable' ? 'Enable' : 'Disable'} a trigger`, tags: ['triggers'], params: nameParam, response: { 200: TriggerBody, ...errorResponses(401, 403, 404) } },
      handler: async (req) => {
        const { name } = req.params as { name: string };
        const updated = await req.project().triggers.update(name, { enabled: action === 'enable' });
        if (!updated) throw notFound('trigger', name);
        return triggerJson(updated, baseUrl(req));
      },
    });
  }
}

async function mustGet(req: FastifyRequest): Promise<Trigger> {
  const { name } = req.params as { name: string };
  const t = await req.project().triggers.get(name);
  if (!t) throw notFound('trigger', name);
  return t;
}
