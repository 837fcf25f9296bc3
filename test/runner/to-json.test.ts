import test from 'ava';
import { toJson } from '../../service/runner/to-json.js';

test('plain JSON values pass through', (t) => {
  t.deepEqual(toJson({ a: [1, 'x', true, null], b: { c: 1.5 } }), { ok: true, json: '{"a":[1,"x",true,null],"b":{"c":1.5}}' });
});

test('undefined at the top becomes null; undefined properties are dropped as JSON does', (t) => {
  t.deepEqual(toJson(undefined), { ok: true, json: 'null' });
  t.deepEqual(toJson({ a: undefined, b: 1 }), { ok: true, json: '{"b":1}' });
});

test('toJSON is honoured (Dates become strings)', (t) => {
  const d = new Date(0);
  t.deepEqual(toJson({ d }), { ok: true, json: '{"d":"1970-01-01T00:00:00.000Z"}' });
});

test('a shared (non-cyclic) object is fine', (t) => {
  const shared = { x: 1 };
  t.true(toJson({ a: shared, b: [shared, shared] }).ok);
});

for (const [what, value, pattern] of [
  ['a top-level function', () => 1, /^the result is not JSON-serializable: result is a function$/],
  ['a nested function', { a: { b: [0, () => 1] } }, /result\.a\.b\[1\] is a function/],
  ['a symbol', { s: Symbol('x') }, /result\.s is a symbol/],
  ['a BigInt', { n: 10n }, /result\.n is a BigInt/],
  ['a cycle', (() => { const a: Record<string, unknown> = {}; a.self = a; return a; })(), /result\.self refers back to one of its parents/],
  ['a toJSON that throws', { toJSON: () => { throw new Error('nope'); } }, /nope/],
] as const) {
  test(`${what} is refused with a message naming where`, (t) => {
    const r = toJson(value);
    t.false(r.ok);
    if (!r.ok) t.regex(r.message, pattern);
  });
}

test('a returned Buffer becomes base64 with a content type, not {"type":"Buffer","data":[…]}', (t) => {
  t.deepEqual(toJson(Buffer.from('hi')), { ok: true, json: '{"$binary":"aGk=","content_type":"application/octet-stream"}' });
});

test('Uint8Array and ArrayBuffer, nested too, become base64', (t) => {
  const r = toJson({ a: new Uint8Array([1, 2, 3]), b: [new Uint8Array([255]).buffer] });
  t.deepEqual(r, {
    ok: true,
    json: '{"a":{"$binary":"AQID","content_type":"application/octet-stream"},"b":[{"$binary":"/w==","content_type":"application/octet-stream"}]}',
  });
});

test('a view on part of a buffer encodes only its bytes', (t) => {
  const whole = Buffer.from('xxhelloxx');
  const r = toJson(whole.subarray(2, 7));
  t.true(r.ok && JSON.parse(r.json).$binary === Buffer.from('hello').toString('base64'));
});

test('{ $binary: bytes, content_type } keeps the handler\'s content type', (t) => {
  t.deepEqual(toJson({ $binary: Buffer.from([0x89, 0x50]), content_type: 'image/png' }), { ok: true, json: '{"$binary":"iVA=","content_type":"image/png"}' });
});

test('an object with $binary that is not bytes is plain JSON', (t) => {
  t.deepEqual(toJson({ $binary: 'text', content_type: 'x/y' }), { ok: true, json: '{"$binary":"text","content_type":"x/y"}' });
});
