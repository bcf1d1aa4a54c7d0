// How messages for users show what they wrote: quoted, and lists of allowed values.

/** `"value"` quoted the way messages show user input. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** `"a", "b" or "c"`. */
export function oneOf(values: readonly string[]): string {
  const quoted = values.map(quote);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1] ?? ''}`;
}
