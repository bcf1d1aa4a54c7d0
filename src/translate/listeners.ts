// Listeners of a group: the union of the members' listen ports. Each answers unmatched
// requests with the group's default backend, else a fixed 404; with ssl-redirect, HTTP
// listeners redirect everything to the HTTPS port instead.
import { ResourceId } from '../model/ids.js';
import type { ActionSpec, CertificateRef, ListenerProtocol, ListenerSpec, Tags } from '../model/resources.js';
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

/** Certificate ARNs of the members listening on a port, in group order; the first is the default. */
export function listenerCertificates(members: readonly MemberModel[], port: number): CertificateRef[] {
  const arns = new Set<string>();
  for (const m of members) if (m.listenPorts.some((p) => p.port === port)) for (const arn of m.certificateArns) arns.add(arn);
  return [...arns].map((arn) => ({ kind: 'arn', arn }));
}

export function buildListeners(input: ListenersInput): ListenerSpec[] {
  return [...input.protocols]
    .sort(([a], [b]) => a - b)
    .map(([port, protocol]) => {
      const id = ResourceId.listener(port);
      const redirect = protocol === 'HTTP' && input.sslRedirectPort !== undefined;
      return {
        id,
        port,
        protocol,
        defaultAction: redirect ? sslRedirectAction(input.sslRedirectPort) : input.defaultAction,
        certificates: protocol === 'HTTPS' ? listenerCertificates(input.members, port) : [],
        ...(protocol === 'HTTPS' && input.sslPolicy !== undefined ? { sslPolicy: input.sslPolicy } : {}),
        tags: ownedTags(input.userTags, input.clusterName, input.group, id),
      };
    });
}
