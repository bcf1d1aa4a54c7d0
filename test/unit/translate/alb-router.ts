// A small model of how an ALB listener routes a request: rules by ascending priority (here:
// list order), first rule whose conditions all match wins, else the listener default.
// host-header: case-insensitive glob, `*` any run of characters including dots, `?` one.
// path-pattern: the same globbing, case-sensitive, on the path without query.
import type { ActionSpec, ConditionSpec, DesiredStack, RuleSpec } from '../../../src/model/resources.js';

export interface AlbRequest {
  readonly host: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly sourceIp?: string;
}

export function glob(pattern: string, text: string, caseInsensitive: boolean): boolean {
  const source = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's').test(text);
}

function ipv4InCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const block = 2 ** (32 - Number(bitsText));
  return Math.floor(toInt(ip) / block) === Math.floor(toInt(base) / block);
}

export function conditionMatches(condition: ConditionSpec, request: AlbRequest): boolean {
  switch (condition.field) {
    case 'host-header':
      return condition.values.some((v) => glob(v, request.host, true));
    case 'path-pattern':
      return condition.values.some((v) => glob(v, request.path, false));
    case 'http-request-method':
      return condition.values.includes(request.method ?? 'GET');
    case 'source-ip':
      return condition.values.some((v) => request.sourceIp !== undefined && ipv4InCidr(request.sourceIp, v));
    case 'http-header': {
      const entry = Object.entries(request.headers ?? {}).find(([k]) => k.toLowerCase() === condition.name.toLowerCase());
      return entry !== undefined && condition.values.some((v) => glob(v, entry[1], true));
    }
    case 'query-string':
      return condition.values.some((pair) =>
        Object.entries(request.query ?? {}).some(
          ([k, v]) => (pair.key === undefined || glob(pair.key, k, true)) && glob(pair.value, v, true),
        ),
      );
  }
}

/** The action ALB takes for the request on one listener. */
export function routeRequest(rules: readonly RuleSpec[], defaultAction: ActionSpec, request: AlbRequest): ActionSpec {
  for (const rule of rules) if (rule.conditions.every((c) => conditionMatches(c, request))) return rule.action;
  return defaultAction;
}

/** Routes on the listener of `port` of a stack. */
export function routeOnStack(stack: DesiredStack, port: number, request: AlbRequest): ActionSpec {
  const listener = stack.listeners.find((l) => l.port === port);
  if (listener === undefined) throw new Error(`no listener on port ${port}`);
  return routeRequest(
    stack.rules.filter((r) => r.listenerPort === port),
    listener.defaultAction,
    request,
  );
}

/**
 * A short name for what an action does: the Service of a single-target forward
 * (`svc:port`), `weighted(...)`, `fixed:404`, `redirect:...`.
 */
export function describeAction(action: ActionSpec): string {
  switch (action.type) {
    case 'forward': {
      const names = action.targetGroups.map((t) =>
        t.targetGroup.kind === 'arn' ? t.targetGroup.arn : (/^tg\/[^/]+\/([^/]+)\//.exec(t.targetGroup.id)?.[1] ?? t.targetGroup.id),
      );
      return names.length === 1 ? (names[0] ?? '') : `weighted(${names.join(',')})`;
    }
    case 'fixed-response':
      return `fixed:${action.statusCode}`;
    case 'redirect':
      return `redirect:${action.protocol}:${action.port}`;
  }
}
