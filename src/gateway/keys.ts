// Keys of the Gateway front: a Gateway is a group of its own, keyed `gateway:<namespace>/<name>`,
// and its HTTPRoutes are its members, keyed `httproute:<namespace>/<name>`. Neither can be taken
// for an Ingress key (`namespace/name`) nor for an explicit group (`<class>:<group.name>`, no
// slash), so the engine below translate treats a Gateway as one more group.
import type { ObjectKey } from '../model/resources.js';

export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

function parse(prefix: string, key: string): NamespacedName | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

/** The group key of a Gateway; also its `albatross.dev/group` tag value. */
export const GatewayKey = {
  of: (namespace: string, name: string): string => `gateway:${namespace}/${name}`,
  is: (key: string): boolean => parse('gateway:', key) !== undefined,
  parse: (key: string): NamespacedName | undefined => parse('gateway:', key),
} as const;

/** The member key of an HTTPRoute: its rules carry it in the `albatross.dev/ingress` tag. */
export const RouteKey = {
  of: (namespace: string, name: string): ObjectKey => `httproute:${namespace}/${name}`,
  is: (key: string): boolean => parse('httproute:', key) !== undefined,
  parse: (key: string): NamespacedName | undefined => parse('httproute:', key),
} as const;
