/**
 * The validator the contract tests rely on is not vacuous: it rejects bodies, statuses,
 * content types and headers that the specs do not allow.
 */
import test from 'ava';
import { SpecValidator, SpecViolation } from './_helpers/spec-validator.js';

const validator = new SpecValidator();
const jsonHeaders = (extra: Record<string, string> = {}) => new Headers({ 'content-type': 'application/json', ...extra });

const token = {
  methods: ['password'],
  audit_ids: ['x'],
  issued_at: '2026-11-26T22:00:00.000000Z',
  expires_at: '2026-11-26T23:00:00.000000Z',
  user: { id: 'u', name: 'demo', domain: { id: 'default', name: 'Default' } },
};

test('every operation of every spec is known', (t) => {
  t.deepEqual(validator.operations('keystone-v3.yaml'), ['POST /v3/auth/tokens', 'GET /v3/auth/tokens', 'GET /v3/auth/catalog']);
  t.is(validator.operations('nova-v2.1.yaml').length, 7);
  t.is(validator.operations('glance-v2.yaml').length, 2);
});

test('a conforming token response passes', (t) => {
  t.notThrows(() =>
    validator.check({ method: 'POST', path: '/v3/auth/tokens', status: 201, headers: jsonHeaders({ 'x-subject-token': 't' }), body: JSON.stringify({ token }) }),
  );
});

test('lies are caught', (t) => {
  const bad = (r: Parameters<SpecValidator['check']>[0]) => t.throws(() => validator.check(r), { instanceOf: SpecViolation });
  // missing X-Subject-Token
  bad({ method: 'POST', path: '/v3/auth/tokens', status: 201, headers: jsonHeaders(), body: JSON.stringify({ token }) });
  // expires_at not a date-time
  bad({ method: 'POST', path: '/v3/auth/tokens', status: 201, headers: jsonHeaders({ 'x-subject-token': 't' }), body: JSON.stringify({ token: { ...token, expires_at: 'soon' } }) });
  // undeclared status
  bad({ method: 'POST', path: '/v3/auth/tokens', status: 200, headers: jsonHeaders({ 'x-subject-token': 't' }), body: JSON.stringify({ token }) });
  // Nova error body of the wrong shape
  bad({ method: 'GET', path: '/servers/{id}', status: 404, headers: jsonHeaders(), body: JSON.stringify({ message: 'not found' }) });
  // flavor swap as the pre-2.75 empty string
  const flavor = { id: '1', name: 'f', ram: 1, vcpus: 1, disk: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0, 'OS-FLV-DISABLED:disabled': false, 'os-flavor-access:is_public': true, links: [] };
  bad({ method: 'GET', path: '/flavors/detail', status: 200, headers: jsonHeaders(), body: JSON.stringify({ flavors: [flavor] }) });
  // undeclared content type
  bad({ method: 'GET', path: '/v2/images/{image_id}', status: 404, headers: new Headers({ 'content-type': 'application/xml' }), body: '<x/>' });
  // not in any spec
  bad({ method: 'GET', path: '/os-hypervisors', status: 200, headers: jsonHeaders(), body: '{}' });
});

test('an empty 204 passes', (t) => {
  t.notThrows(() => validator.check({ method: 'DELETE', path: '/servers/{id}', status: 204, headers: new Headers(), body: '' }));
});
