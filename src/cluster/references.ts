// What one Ingress refers to, for the reverse indexes: the Services of its backends (paths,
// default backend, and `serviceName` targets of forward actions), its TLS Secrets and its class.
import type { V1Ingress } from '@kubernetes/client-node';
import { LegacyClassAnnotation } from '../ingress/class.js';
import type { ObjectKey } from '../model/resources.js';

/** Annotation prefix of `actions.NAME`, the AWS Load Balancer Controller's custom actions. */
const actionsPrefix = 'alb.ingress.kubernetes.io/actions.';

export interface IngressReferences {
  /** `namespace/name` of each Service named, in the Ingress's namespace. */
  readonly services: ReadonlySet<ObjectKey>;
  /** `namespace/name` of each `spec.tls` Secret. */
  readonly secrets: ReadonlySet<ObjectKey>;
  /** The class named by `spec.ingressClassName` or the legacy annotation; `undefined` for the default class. */
  readonly ingressClass: string | undefined;
}

export function referencesOf(ingress: V1Ingress): IngressReferences {
  const namespace = ingress.metadata?.namespace ?? 'default';
  const services = new Set<ObjectKey>();
  const secrets = new Set<ObjectKey>();
  const addService = (name: unknown): void => {
    if (typeof name === 'string' && name !== '') services.add(`${namespace}/${name}`);
  };
  addService(ingress.spec?.defaultBackend?.service?.name);
  for (const rule of ingress.spec?.rules ?? []) for (const path of rule.http?.paths ?? []) addService(path.backend.service?.name);
  for (const [key, value] of Object.entries(ingress.metadata?.annotations ?? {})) {
    if (key.startsWith(actionsPrefix)) for (const name of forwardServiceNames(value)) addService(name);
  }
  for (const tls of ingress.spec?.tls ?? []) if (typeof tls.secretName === 'string' && tls.secretName !== '') secrets.add(`${namespace}/${tls.secretName}`);
  // As `classOwnership` reads it: an empty `spec.ingressClassName` is no class name.
  const named = ingress.spec?.ingressClassName;
  const className = typeof named === 'string' && named !== '' ? named : ingress.metadata?.annotations?.[LegacyClassAnnotation];
  return { services, secrets, ingressClass: className === undefined || className === '' ? undefined : className };
}

/**
 * `serviceName` values anywhere in an action's JSON (`forwardConfig.targetGroups[]`). An
 * action that does not parse refers to nothing; its Ingress gets its error from translate.
 */
function forwardServiceNames(json: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (k.toLowerCase() === 'servicename' && typeof v === 'string') found.push(v);
        else walk(v);
      }
    }
  };
  walk(parsed);
  return found;
}
