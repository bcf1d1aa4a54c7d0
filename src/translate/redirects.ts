// Redirects that send a request back to the very listener and URL it came from. The pre-2.2
// AWS Load Balancer Controller recipe for HTTP -> HTTPS puts such a redirect on every
// listener of the Ingress; on the HTTPS listener it would redirect every request to itself.
import type { ActionSpec, ConditionSpec, ListenerProtocol } from '../model/resources.js';

/** The listener a rule or default action sits on. */
export interface ListenerPlace {
  readonly protocol: ListenerProtocol;
  readonly port: number;
}

const hasWildcard = (value: string): boolean => /[*?]/.test(value);

/**
 * Whether every request the rule matches would be redirected to the same protocol, port,
 * host, path and query it came with: an endless loop. Placeholders (`#{protocol}`,
 * `#{port}`, `#{host}`, `/#{path}`, `#{query}`) keep the request's value. A literal host or
 * path counts as the same only when the rule's own condition matches that one value and
 * nothing else; a literal query never does (it replaces the request's query).
 * `conditions` are the rule's; `[]` for a listener's default action.
 */
export function redirectLoops(action: ActionSpec, listener: ListenerPlace, conditions: readonly ConditionSpec[]): boolean {
  if (action.type !== 'redirect') return false;
  const only = (field: 'host-header' | 'path-pattern'): readonly string[] | null => {
    const values = conditions.filter((c) => c.field === field).flatMap((c) => c.values as readonly string[]);
    return values.length === 0 || values.some(hasWildcard) ? null : values;
  };
  const hosts = only('host-header');
  const paths = only('path-pattern');
  const sameProtocol = action.protocol === '#{protocol}' || action.protocol === listener.protocol;
  const samePort = action.port === '#{port}' || action.port === String(listener.port);
  const sameHost =
    action.host === '#{host}' || (hosts !== null && hosts.every((h) => h.toLowerCase() === action.host.toLowerCase()));
  const samePath = action.path === '/#{path}' || (paths !== null && paths.every((p) => p === action.path));
  const sameQuery = action.query === '#{query}';
  return sameProtocol && samePort && sameHost && samePath && sameQuery;
}

/** `HTTPS:443, host "#{host}", ...`: where a redirect sends requests, for messages. */
export function describeRedirect(action: ActionSpec): string {
  if (action.type !== 'redirect') return action.type;
  return `${action.protocol}, port ${action.port}, host ${action.host}, path ${action.path}, query ${action.query}`;
}
