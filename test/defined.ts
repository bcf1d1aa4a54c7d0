// Narrowing for tests: a value the test expects to be there, or a failure that says what was
// missing, instead of a non-null assertion that fails later as a TypeError.

export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, found ${String(value)}`);
  return value;
}
