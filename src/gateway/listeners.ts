// A Gateway's `spec.listeners` -> what each listener is (accepted or not, its certificates, who
// may attach) and its status conditions. Listeners on one port share one ALB listener: HTTP
// with HTTP, HTTPS with HTTPS (one certificate list, chosen by SNI). Two protocols on one port
// conflict (`ProtocolConflict`), and so do two listeners with the same port and hostname
// (`HostnameConflict`); neither is programmed.
import type { V1LabelSelector } from '@kubernetes/client-node';
import type { CertificateRef, ListenerProtocol, TlsResolver } from '../model/resources.js';
import { quote, show } from '../model/messages.js';
import { parseHostname } from './hostnames.js';
import { referenceAllowed } from './grants.js';
import type { ConditionDraft } from './status.js';
import { GatewayApiGroup, type GatewayListener, type RouteGroupKind, type V1ReferenceGrant } from './types.js';

export const HttpRouteKind: RouteGroupKind = { group: GatewayApiGroup, kind: 'HTTPRoute' };

export interface ListenerModel {
  readonly name: string;
  readonly index: number;
  readonly port: number;
  readonly protocol: ListenerProtocol;
  /** Lower case; `null` for every host. */
  readonly hostname: string | null;
  /** From `tls.certificateRefs`, in order (a broken Secret keeps what it had imported before). */
  readonly certificates: readonly CertificateRef[];
  readonly allowedNamespaces: { readonly from: 'Same' | 'All' } | { readonly from: 'Selector'; readonly selector: V1LabelSelector };
  /** Whether HTTPRoutes may attach (the kinds allow them). */
  readonly allowsHttpRoutes: boolean;
  readonly supportedKinds: readonly RouteGroupKind[];
  /** `Accepted`, `ResolvedRefs`, `Conflicted`. */
  readonly conditions: readonly ConditionDraft[];
  /** Accepted and in no conflict (an HTTPS one still needs a certificate to be programmed). */
  readonly usable: boolean;
}

export interface ListenersContext {
  readonly gateway: { readonly namespace: string; readonly name: string };
  readonly tls: TlsResolver | undefined;
  readonly referenceGrants: (namespace: string) => readonly V1ReferenceGrant[];
}

const condition = (type: string, status: 'True' | 'False', reason: string, message: string): ConditionDraft => ({ type, status, reason, message });

/** Every listener of the Gateway, in spec order. */
export function listenerModels(listeners: readonly GatewayListener[], ctx: ListenersContext): ListenerModel[] {
  const drafts = listeners.map((l, i) => oneListener(l, i, ctx));
  // Conflicts: by port, protocols must agree; within a protocol, hostnames must differ.
  const byPort = new Map<number, typeof drafts>();
  for (const d of drafts) if (d.accepted) byPort.set(d.port, [...(byPort.get(d.port) ?? []), d]);
  return drafts.map((d) => {
    let conflicted: ConditionDraft = condition('Conflicted', 'False', 'NoConflicts', 'No conflicts');
    if (d.accepted) {
      const same = byPort.get(d.port) ?? [];
      const other = same.find((o) => o.protocol !== d.protocol);
      const twin = same.find((o) => o !== d && o.protocol === d.protocol && o.hostname === d.hostname);
      if (other !== undefined)
        conflicted = condition('Conflicted', 'True', 'ProtocolConflict', `listener ${quote(d.name)} is ${d.protocol} on port ${d.port}, where listener ${quote(other.name)} is ${other.protocol}; one ALB listener has one protocol`);
      else if (twin !== undefined)
        conflicted = condition('Conflicted', 'True', 'HostnameConflict', `listener ${quote(d.name)} has the same port ${d.port} and hostname ${d.hostname ?? '(none)'} as listener ${quote(twin.name)}`);
    }
    const usable = d.accepted && conflicted.status === 'False';
    return {
      name: d.name,
      index: d.index,
      port: d.port,
      protocol: d.protocol,
      hostname: d.hostname,
      certificates: d.certificates,
      allowedNamespaces: d.allowedNamespaces,
      allowsHttpRoutes: d.allowsHttpRoutes,
      supportedKinds: d.supportedKinds,
      conditions: [d.acceptedCondition, d.resolvedRefs, conflicted],
      usable,
    };
  });
}

interface Draft {
  readonly name: string;
  readonly index: number;
  readonly port: number;
  readonly protocol: ListenerProtocol;
  readonly hostname: string | null;
  readonly certificates: CertificateRef[];
  readonly allowedNamespaces: ListenerModel['allowedNamespaces'];
  readonly allowsHttpRoutes: boolean;
  readonly supportedKinds: RouteGroupKind[];
  readonly accepted: boolean;
  readonly acceptedCondition: ConditionDraft;
  readonly resolvedRefs: ConditionDraft;
}

function oneListener(listener: GatewayListener, index: number, ctx: ListenersContext): Draft {
  const at = `spec.listeners[${index}] (${quote(String(listener.name))})`;
  const protocol = listener.protocol === 'HTTP' || listener.protocol === 'HTTPS' ? listener.protocol : null;
  let accepted = condition('Accepted', 'True', 'Accepted', 'Listener accepted');
  let hostname: string | null = null;
  if (protocol === null) accepted = condition('Accepted', 'False', 'UnsupportedProtocol', `${at}: protocol ${show(listener.protocol)} is not supported; an ALB listener is HTTP or HTTPS`);
  else if (!Number.isInteger(listener.port) || listener.port < 1 || listener.port > 65535)
    accepted = condition('Accepted', 'False', 'PortUnavailable', `${at}: port ${show(listener.port)} is not a port number from 1 to 65535`);
  else if (protocol === 'HTTPS' && (listener.tls?.mode ?? 'Terminate') !== 'Terminate')
    accepted = condition('Accepted', 'False', 'UnsupportedValue', `${at}: tls.mode ${show(listener.tls?.mode)} is not supported; an ALB HTTPS listener terminates TLS (mode Terminate)`);
  if (listener.hostname !== undefined && listener.hostname !== null) {
    const parsed = parseHostname(listener.hostname, `${at}: hostname`);
    if (parsed.ok) hostname = parsed.value;
    else if (accepted.status === 'True') accepted = condition('Accepted', 'False', 'UnsupportedValue', parsed.error);
  }

  // Kinds: HTTPRoute is the one kind these listeners take; a protocol we do not serve takes none.
  const kinds = listener.allowedRoutes?.kinds;
  const supportedKinds: RouteGroupKind[] = [];
  const invalidKinds: string[] = [];
  if (protocol !== null && (kinds === undefined || kinds.length === 0)) supportedKinds.push(HttpRouteKind);
  else if (protocol !== null)
    for (const k of kinds ?? []) {
      if ((k.group ?? GatewayApiGroup) === GatewayApiGroup && k.kind === 'HTTPRoute') {
        if (supportedKinds.length === 0) supportedKinds.push(HttpRouteKind);
      } else invalidKinds.push(`${k.kind}${k.group === undefined || k.group === GatewayApiGroup ? '' : `.${k.group}`}`);
    }

  let resolvedRefs = condition('ResolvedRefs', 'True', 'ResolvedRefs', 'All references resolved');
  if (invalidKinds.length > 0)
    resolvedRefs = condition('ResolvedRefs', 'False', 'InvalidRouteKinds', `${at}: allowedRoutes.kinds ${invalidKinds.map(quote).join(', ')} not supported; an ALB listener takes HTTPRoutes`);

  const certificates: CertificateRef[] = [];
  if (protocol === 'HTTPS' && accepted.status === 'True') {
    const problems: { reason: string; message: string }[] = [];
    for (const [i, ref] of (listener.tls?.certificateRefs ?? []).entries()) {
      const refAt = `${at}: tls.certificateRefs[${i}]`;
      const group = ref.group ?? '';
      const kind = ref.kind ?? 'Secret';
      const namespace = ref.namespace ?? ctx.gateway.namespace;
      const key = `${namespace}/${ref.name}`;
      if (group !== '' || kind !== 'Secret') {
        problems.push({ reason: 'InvalidCertificateRef', message: `${refAt}: kind ${quote(group === '' ? kind : `${kind}.${group}`)} is not supported; name a Secret of type kubernetes.io/tls` });
        continue;
      }
      if (!referenceAllowed({ group: GatewayApiGroup, kind: 'Gateway', namespace: ctx.gateway.namespace }, { group: '', kind: 'Secret', namespace, name: ref.name }, ctx.referenceGrants)) {
        problems.push({ reason: 'RefNotPermitted', message: `${refAt}: Secret ${key} is in another namespace and no ReferenceGrant in ${namespace} allows Gateways of ${ctx.gateway.namespace} to refer to it` });
        continue;
      }
      if (ctx.tls === undefined) {
        problems.push({ reason: 'InvalidCertificateRef', message: `${refAt}: Secret ${key} cannot be read here` });
        continue;
      }
      // Whether the certificate names the listener's hostname is the client's check, not a
      // reference problem: the spec's InvalidCertificateRef is for a missing, unsupported or
      // malformed referent only.
      const resolved = ctx.tls(key, []);
      if (resolved.ok) certificates.push({ kind: 'imported', fingerprint: resolved.value.fingerprint });
      else {
        problems.push({ reason: 'InvalidCertificateRef', message: `${refAt}: ${resolved.error.message}` });
        certificates.push(...resolved.error.retainedArns.map((arn): CertificateRef => ({ kind: 'arn', arn })));
      }
    }
    const first = problems[0];
    if (first !== undefined && resolvedRefs.status === 'True')
      resolvedRefs = condition('ResolvedRefs', 'False', first.reason, problems.map((p) => p.message).join('; '));
  }
  const allowedNamespaces = namespacesOf(listener);
  return {
    name: listener.name,
    index,
    port: listener.port,
    protocol: protocol ?? 'HTTP',
    hostname,
    certificates,
    allowedNamespaces,
    allowsHttpRoutes: supportedKinds.length > 0,
    supportedKinds,
    accepted: accepted.status === 'True',
    acceptedCondition: accepted,
    resolvedRefs,
  };
}

function namespacesOf(listener: GatewayListener): ListenerModel['allowedNamespaces'] {
  const ns = listener.allowedRoutes?.namespaces;
  if (ns?.from === 'All') return { from: 'All' };
  if (ns?.from === 'Selector') return { from: 'Selector', selector: ns.selector ?? {} };
  return { from: 'Same' };
}

/** Whether namespace labels satisfy a label selector (`matchLabels` and `matchExpressions`). */
export function selectorMatches(selector: V1LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
