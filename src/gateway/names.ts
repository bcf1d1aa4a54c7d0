// How messages name a group's member or a group, whichever front it comes from: `Ingress ns/name`,
// `HTTPRoute ns/name`, `Gateway ns/name`.
import { GatewayKey, RouteKey } from './keys.js';

/** The object a member key (or a Gateway's group key) stands for, as messages name it. */
export function memberName(key: string): string {
  const route = RouteKey.parse(key);
  if (route !== undefined) return `HTTPRoute ${route.namespace}/${route.name}`;
  const gateway = GatewayKey.parse(key);
  if (gateway !== undefined) return `Gateway ${gateway.namespace}/${gateway.name}`;
  return `Ingress ${key}`;
}

/** A group as output names it: `Gateway ns/name` for a Gateway's group, `Group <key>` otherwise. */
export function groupName(key: string): string {
  const gateway = GatewayKey.parse(key);
  return gateway === undefined ? `Group ${key}` : `Gateway ${gateway.namespace}/${gateway.name}`;
}
