// Which Ingresses are ours: those whose IngressClass names our controller, directly, through
// the default class, or through the legacy `kubernetes.io/ingress.class` annotation.
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import { annotationsOf } from './annotations.js';
import { quote } from '../model/messages.js';

/** `spec.controller` of the IngressClasses Albatross serves. */
export const ControllerName = 'albatross.dev/alb';
export const DefaultClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';
export const LegacyClassAnnotation = 'kubernetes.io/ingress.class';

export function isOurIngressClass(ingressClass: V1IngressClass): boolean {
  return ingressClass.spec?.controller === ControllerName;
}

/**
 * Decides by `spec.ingressClassName` when set (a class that does not exist is not ours),
 * else by the legacy annotation, else by the default IngressClass: the Ingress is ours when
 * a class marked default is ours.
 */
export function isOurIngress(ingress: V1Ingress, ingressClasses: readonly V1IngressClass[]): boolean {
  return classOwnership(ingress, ingressClasses).kind === 'ours';
}

/**
 * The class of ours that makes an Ingress ours, found as `classOwnership` decides; `undefined`
 * when the Ingress is not ours. Without a class name, the first default class of ours by name.
 */
export function ingressClassOf(ingress: V1Ingress, ingressClasses: readonly V1IngressClass[]): V1IngressClass | undefined {
  const ownership = classOwnership(ingress, ingressClasses);
  return ownership.kind === 'ours' ? ownership.ingressClass : undefined;
}

/**
 * Whose an Ingress is, as far as the objects tell:
 * - `ours`: its class (named, legacy, or the default) is one of ours;
 * - `theirs`: it clearly belongs to another controller: it names an existing class of
 *   another controller, or names none while only other controllers' classes are default;
 * - `unknown`: it names a class that does not exist, or names none while no class is the
 *   default. A class being replaced (`kubectl replace --force`, a GitOps "Replace" sync) is
 *   briefly in this state, so an Ingress of ours in it is held as it is, never let go.
 */
export type ClassOwnership =
  | { readonly kind: 'ours'; readonly ingressClass: V1IngressClass }
  | { readonly kind: 'theirs' }
  | {
      readonly kind: 'unknown';
      /** Worded to follow `Ingress ns/name: `. */
      readonly reason: string;
    };

/** The class an Ingress names: `spec.ingressClassName`, else the legacy annotation; `undefined` for the default class. */
export function referencedClassName(ingress: V1Ingress): string | undefined {
  const className = ingress.spec?.ingressClassName;
  if (typeof className === 'string' && className !== '') return className;
  const legacy = annotationsOf(ingress)[LegacyClassAnnotation];
  return legacy === undefined || legacy === '' ? undefined : legacy;
}

/** The name of the default IngressClass of ours (the first by name, as `classOwnership` picks it); `undefined` when none is. */
export function defaultClassOfOurs(ingressClasses: readonly V1IngressClass[]): string | undefined {
  return ingressClasses.find((c) => annotationsOf(c)[DefaultClassAnnotation] === 'true' && isOurIngressClass(c))?.metadata?.name;
}

/** Decides `ClassOwnership` by `spec.ingressClassName`, else the legacy annotation, else the default class. */
export function classOwnership(ingress: V1Ingress, ingressClasses: readonly V1IngressClass[]): ClassOwnership {
  const className = ingress.spec?.ingressClassName;
  const legacy = annotationsOf(ingress)[LegacyClassAnnotation];
  const named = typeof className === 'string' && className !== '' ? { name: className, field: 'spec.ingressClassName' } : legacy === undefined ? undefined : { name: legacy, field: `annotation ${LegacyClassAnnotation}` };
  if (named !== undefined) {
    const found = ingressClasses.find((c) => c.metadata?.name === named.name);
    if (found === undefined) return { kind: 'unknown', reason: `${named.field} names IngressClass ${quote(named.name)}, which does not exist` };
    return isOurIngressClass(found) ? { kind: 'ours', ingressClass: found } : { kind: 'theirs' };
  }
  const defaults = ingressClasses.filter((c) => annotationsOf(c)[DefaultClassAnnotation] === 'true');
  const ours = defaults.find(isOurIngressClass);
  if (ours !== undefined) return { kind: 'ours', ingressClass: ours };
  if (defaults.length > 0) return { kind: 'theirs' };
  return { kind: 'unknown', reason: `it names no IngressClass and no IngressClass is marked ${DefaultClassAnnotation}: "true"` };
}
