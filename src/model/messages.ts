// How messages for users show what they wrote: quoted, cut to a readable length, and lists of
// allowed values. Every value a message echoes goes through `quote` or `show`, so a value of
// megabytes (an annotation, a pasted file) never fills a terminal, an Event or a log line.

/** How many characters of a value a message shows; longer values are cut and their length said. */
export const ShownLength = 200;

/** Said instead of a value that holds a private key, wherever it was written. */
const privateKeyShown = 'a value holding a PEM private key (not shown)';
const privateKeyPem = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * `"value"` quoted the way messages show user input; past `ShownLength`, `"start"… (N characters)`.
 * Text holding a PEM private key (a Secret's value pasted in the wrong place) is never shown.
 */
export function quote(value: string): string {
  if (privateKeyPem.test(value)) return privateKeyShown;
  if (value.length <= ShownLength) return JSON.stringify(value);
  return `${JSON.stringify(prefix(value))}… (${value.length} characters)`;
}

/**
 * Any value as JSON, the way messages show what was written in a file: `nothing` for a missing
 * value, cut like `quote` past `ShownLength`, never showing a private key. A value JSON cannot write (a cycle made with YAML
 * aliases, nesting deeper than the stack) is named by its type instead.
 */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quote(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return typeName(value);
  if (privateKeyPem.test(text)) return privateKeyShown;
  return text.length <= ShownLength ? text : `${prefix(text)}… (${text.length} characters)`;
}

/** What kind of value this is, for messages that must not show the value itself: `a list`, `a number`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  const names: Readonly<Record<string, string>> = { string: 'a string', number: 'a number', bigint: 'a number', boolean: 'true or false', object: 'a map' };
  return names[typeof value] ?? `a ${typeof value}`;
}

/** `"a", "b" or "c"`. */
export function oneOf(values: readonly string[]): string {
  const quoted = values.map(quote);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1] ?? ''}`;
}

/** The first `ShownLength` characters, without half of a surrogate pair at the end. */
function prefix(value: string): string {
  const cut = value.slice(0, ShownLength);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
