// How messages echo what users wrote: whole when short, cut when long, never a private key.
import { oneOf, quote, show, ShownLength, typeName } from '../../../src/model/messages.js';

describe('quote', () => {
  test('shows a short value whole, as JSON', () => {
    expect(quote('internet-facing')).toBe('"internet-facing"');
    expect(quote('a'.repeat(ShownLength))).toBe(`"${'a'.repeat(ShownLength)}"`);
  });

  test('cuts a long value to 200 characters and says how long it was', () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    expect(quote(huge)).toBe(`"${'x'.repeat(200)}"… (5242880 characters)`);
  });

  test('never cuts a character in half', () => {
    const emoji = `${'a'.repeat(ShownLength - 1)}😀tail`;
    expect(quote(emoji)).toBe(`"${'a'.repeat(ShownLength - 1)}"… (${emoji.length} characters)`);
  });

  test('never shows a PEM private key', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBv0secret\n-----END EC PRIVATE KEY-----\n';
    expect(quote(pem)).toBe('a value holding a PEM private key (not shown)');
    expect(show({ 'tls.key': pem })).toBe('a value holding a PEM private key (not shown)');
  });
});

describe('show', () => {
  test('writes any value as JSON, and nothing for a missing one', () => {
    expect(show({ key: 'team' })).toBe('{"key":"team"}');
    expect(show(80)).toBe('80');
    expect(show('eighty')).toBe('"eighty"');
    expect(show(undefined)).toBe('nothing');
  });

  test('cuts long values like quote', () => {
    const list = Array.from({ length: 1000 }, (_, i) => i);
    const text = JSON.stringify(list);
    expect(show(list)).toBe(`${text.slice(0, 200)}… (${text.length} characters)`);
  });

  test('names the type of a value JSON cannot write', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(show(cycle)).toBe('a map');
  });
});

test('typeName says what a value is without showing it', () => {
  expect([typeName([1]), typeName('s'), typeName(1), typeName(true), typeName(null), typeName({})]).toEqual([
    'a list',
    'a string',
    'a number',
    'true or false',
    'null',
    'a map',
  ]);
});

test('oneOf lists allowed values', () => {
  expect(oneOf(['ip'])).toBe('"ip"');
  expect(oneOf(['HTTP1', 'HTTP2', 'GRPC'])).toBe('"HTTP1", "HTTP2" or "GRPC"');
});
