// Defensive reads of Kubernetes objects. Manifests from files are not validated by an API
// server, so a field typed as a list may hold a string, an entry may be null, and so on.

/** The non-null object entries of `value` when it is a list; otherwise none. */
export function objectsIn<T>(value: unknown): T[] {
  return Array.isArray(value) ? value.filter((v): v is T => isObject(v)) : [];
}

/** The string entries of `value` when it is a list; otherwise none. */
export function stringsIn(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Whether `value` is a JSON-style object: not null, not a list. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
