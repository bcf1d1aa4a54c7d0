// Listeners of a group: the union of the members' listen ports. Each answers unmatched
// requests with the group's default backend, else a fixed 404; with ssl-redirect, HTTP
// listeners redirect everything to the HTTPS port instead.
import { ResourceId } from '../model/ids.js';
import { defaultSslPolicy, type ActionSpec, type CertificateRef, type ListenerProtocol, type ListenerSpec, type ObjectKey, type Tags } from '../model/resources.js';
import { certificateKey } from './tls.js';
import type { MemberModel } from './member.js';
import { ownedTags } from './tags.js';

export interface ListenersInput {
  readonly clusterName: string;
  readonly group: string;
  readonly userTags: Tags;
  readonly members: readonly MemberModel[];
  readonly protocols: ReadonlyMap<number, ListenerProtocol>;
  readonly defaultAction: ActionSpec;
  readonly sslPolicy: string | undefined;
  readonly sslRedirectPort: number | undefined;
}

export function sslRedirectAction(port: number): ActionSpec {
  return {
    type: 'redirect',
    protocol: 'HTTPS',
    port: String(port),
    host: '#{host}',
    path: '/#{path}',
    query: '#{query}',
    statusCode: 'HTTP_301',
  };
}

/** Certificates of the members listening on a port, in group order; the first is the default. */
export function listenerCertificates(members: readonly MemberModel[], port: number): CertificateRef[] {
  const refs = new Map<string, CertificateRef>();
  for (const m of members)
    if (m.listenPorts.some((p) => p.port === port)) for (const ref of m.certificates) if (!refs.has(certificateKey(ref))) refs.set(certificateKey(ref), ref);
  return [...refs.values()];
}

/** Hosts on an HTTPS port that no member's certificate covers, for ACM discovery. */
function hostsToDiscover(members: readonly MemberModel[], port: number): { host: string; ingress: ObjectKey }[] {
  const out = new Map<string, { host: string; ingress: ObjectKey }>();
  for (const m of members)
    if (m.listenPorts.some((p) => p.port === port)) for (const host of m.uncoveredHosts) if (!out.has(host)) out.set(host, { host, ingress: m.key });
  return [...out.values()];
}

export function buildListeners(input: ListenersInput): ListenerSpec[] {
  return [...input.protocols]
    .sort(([a], [b]) => a - b)
    .map(([port, protocol]) => {
      const id = ResourceId.listener(port);
      const discover = protocol === 'HTTPS' ? hostsToDiscover(input.members, port) : [];
      const redirect = protocol === 'HTTP' && input.sslRedirectPort !== undefined;
      return {
        id,
        port,
        protocol,
        defaultAction: redirect ? sslRedirectAction(input.sslRedirectPort) : input.defaultAction,
        certificates: protocol === 'HTTPS' ? listenerCertificates(input.members, port) : [],
        ...(protocol === 'HTTPS' ? { sslPolicy: input.sslPolicy ?? defaultSslPolicy } : {}),
        ...(discover.length > 0 ? { discoverHosts: discover } : {}),
        tags: ownedTags(input.userTags, input.clusterName, input.group, id),
      };
    });
}
