// Errors as values: parsers, builders and resolvers return a Result instead of throwing, so
// one bad Ingress or Secret never stops the rest of its group.

/** A value, or what went wrong instead; the error is a message for users unless `E` says otherwise. */
export type Result<T, E = string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T, E = string>(value: T): Result<T, E> {
  return { ok: true, value };
}

export function err<E = string, T = never>(error: E): Result<T, E> {
  return { ok: false, error };
}
