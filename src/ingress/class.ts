// Which Ingresses are ours: those whose IngressClass names our controller, directly, through
// the default class, or through the legacy `kubernetes.io/ingress.class` annotation.
import type { V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import { annotationsOf } from './annotations.js';

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
  const byName = (name: string): V1IngressClass | undefined => ingressClasses.find((c) => c.metadata?.name === name);
  const className = ingress.spec?.ingressClassName;
  if (typeof className === 'string' && className !== '') {
    const found = byName(className);
    return found !== undefined && isOurIngressClass(found);
  }
  const legacy = annotationsOf(ingress)[LegacyClassAnnotation];
  if (legacy !== undefined) {
    const found = byName(legacy);
    return found !== undefined && isOurIngressClass(found);
  }
  return ingressClasses.some((c) => annotationsOf(c)[DefaultClassAnnotation] === 'true' && isOurIngressClass(c));
}

/**
 * The class of ours that makes an Ingress ours, found as `isOurIngress` decides; `undefined`
 * when the Ingress is not ours. Without a class name, the first default class of ours by name.
 */
export function ingressClassOf(ingress: V1Ingress, ingressClasses: readonly V1IngressClass[]): V1IngressClass | undefined {
  if (!isOurIngress(ingress, ingressClasses)) return undefined;
  const className = ingress.spec?.ingressClassName;
  const named = typeof className === 'string' && className !== '' ? className : annotationsOf(ingress)[LegacyClassAnnotation];
  if (named !== undefined) return ingressClasses.find((c) => c.metadata?.name === named);
  return ingressClasses.find((c) => annotationsOf(c)[DefaultClassAnnotation] === 'true' && isOurIngressClass(c));
}

export function selectOurIngresses(
  ingresses: readonly V1Ingress[],
  ingressClasses: readonly V1IngressClass[],
): V1Ingress[] {
  return ingresses.filter((ingress) => isOurIngress(ingress, ingressClasses));
}
