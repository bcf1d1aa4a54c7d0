// IngressClassParams (`albatross.dev/v1`): settings an IngressClass imposes on every Ingress of
// the class, with the field names of the AWS Load Balancer Controller's own IngressClassParams.
// Here: the object's shape, its parsing and validation into `ClassParams`, the namespace
// selector, and which params (if any) govern one Ingress.
import type { V1Ingress, V1IngressClass, V1ObjectMeta } from '@kubernetes/client-node';
import { IpAddressType, Scheme, type SubnetSelection } from '../model/resources.js';
import { attributeKeyProblem } from '../model/aws-limits.js';
import { checkGroupName, checkLoadBalancerName, isCidr, tagProblem } from './annotations.js';
import { ingressClassOf } from './class.js';
import { isObject } from './input.js';
import { oneOf, quote, show } from '../model/messages.js';

/** API group of IngressClassParams, also `spec.parameters.apiGroup` of an IngressClass. */
export const ParamsApiGroup = 'albatross.dev';
export const ParamsVersion = 'v1';
export const ParamsKind = 'IngressClassParams';
/** `apiVersion` of an IngressClassParams object. */
export const ParamsApiVersion = `${ParamsApiGroup}/${ParamsVersion}`;

/** A key and a value, the form of `spec.tags` and `spec.loadBalancerAttributes`. */
export interface V1ParamsKeyValue {
  key: string;
  value: string;
}

/** One requirement of a label selector (Kubernetes `LabelSelectorRequirement`). */
export interface V1ParamsSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** A Kubernetes label selector: every `matchLabels` entry and every expression must hold. */
export interface V1ParamsLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: V1ParamsSelectorRequirement[];
}

/**
 * `spec` of an IngressClassParams. Every field is optional; a field that is set wins over the
 * matching annotation on every Ingress of the class.
 */
export interface V1IngressClassParamsSpec {
  /** Puts every Ingress of the class in this explicit group (annotation `group.name`). */
  group?: { name: string };
  scheme?: string;
  ipAddressType?: string;
  /** Exactly one of `ids` and `tags`. `tags` may only use the key `Name`. */
  subnets?: { ids?: string[]; tags?: Record<string, string[]> };
  inboundCIDRs?: string[];
  sslPolicy?: string;
  certificateArn?: string[];
  tags?: V1ParamsKeyValue[];
  loadBalancerAttributes?: V1ParamsKeyValue[];
  loadBalancerName?: string;
  /** Namespaces whose Ingresses may use the class; absent or empty selects every namespace. */
  namespaceSelector?: V1ParamsLabelSelector;
}

/** An IngressClassParams object as the API server serves it (cluster-scoped). */
export interface V1IngressClassParams {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: V1IngressClassParamsSpec;
}

/** The selector operators Kubernetes defines. */
export const SelectorOperator = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SelectorOperator)[number];

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A validated label selector: `matchLabels` entries become `In` requirements with one value. */
export interface NamespaceSelector {
  readonly requirements: readonly SelectorRequirement[];
}

/** A validated IngressClassParams: the fields that are set, in the types translate uses. */
export interface ClassParams {
  /** `metadata.name`, for messages. */
  readonly name: string;
  readonly groupName?: string;
  readonly scheme?: Scheme;
  readonly ipAddressType?: IpAddressType;
  readonly subnets?: SubnetSelection;
  readonly inboundCidrs?: readonly string[];
  readonly sslPolicy?: string;
  readonly certificateArns?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly loadBalancerAttributes?: Readonly<Record<string, string>>;
  readonly loadBalancerName?: string;
  readonly namespaceSelector?: NamespaceSelector;
}

/** The fields of `spec` Albatross reads; any other field is refused rather than ignored. */
export const ParamsField = [
  'group',
  'scheme',
  'ipAddressType',
  'subnets',
  'inboundCIDRs',
  'sslPolicy',
  'certificateArn',
  'tags',
  'loadBalancerAttributes',
  'loadBalancerName',
  'namespaceSelector',
] as const;

export type ParamsOutcome = { readonly ok: true; readonly params: ClassParams } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Checks an IngressClassParams and reads it into `ClassParams`. Every problem is listed, each
 * as `IngressClassParams NAME: spec.FIELD: VALUE ...` with what is allowed. Fields the AWS Load
 * Balancer Controller has and Albatross does not (`wafv2AclArn`, `listeners`, ...) are
 * refused: serving without them could expose what they protect or change.
 */
export function parseIngressClassParams(object: V1IngressClassParams): ParamsOutcome {
  const cached = parsedParams.get(object);
  if (cached !== undefined) return cached;
  const outcome = parseParams(object);
  parsedParams.set(object, outcome);
  return outcome;
}

/** Objects are replaced, never changed, when they change: each is parsed once, however many Ingresses use it. */
const parsedParams = new WeakMap<V1IngressClassParams, ParamsOutcome>();

function parseParams(object: V1IngressClassParams): ParamsOutcome {
  const name = object.metadata?.name ?? '';
  const problems: string[] = [];
  const problem = (field: string, text: string): void => void problems.push(`IngressClassParams ${name}: spec.${field}: ${text}`);
  const out: { -readonly [K in keyof ClassParams]: ClassParams[K] } = { name };
  const spec: unknown = object.spec ?? {};
  if (!isObject(spec)) return { ok: false, problems: [`IngressClassParams ${name}: spec must be an object, not ${show(spec)}`] };

  for (const field of Object.keys(spec))
    if (!(ParamsField as readonly string[]).includes(field))
      problem(field, `is not supported by Albatross; remove it (supported fields: ${ParamsField.join(', ')})`);

  const str = (field: string, value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    problem(field, `${show(value)} must be a string`);
    return undefined;
  };
  const strings = (field: string, value: unknown, what: string): string[] | undefined => {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
      problem(field, `${show(value)} is not allowed; use a non-empty list of ${what}`);
      return undefined;
    }
    return value;
  };
  const enumOf = <T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined => {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    problem(field, `${show(value)} is not allowed; use ${oneOf(allowed)}`);
    return undefined;
  };
  const keyValues = (field: string, value: unknown, check: (key: string, v: string) => string | null): Record<string, string> | undefined => {
    if (!Array.isArray(value)) {
      problem(field, `${show(value)} is not allowed; use a list of {key, value}`);
      return undefined;
    }
    const map: Record<string, string> = {};
    let good = true;
    value.forEach((entry: unknown, i) => {
      const where = `${field}[${i}]`;
      if (!isObject(entry) || typeof entry.key !== 'string' || entry.key === '' || typeof entry.value !== 'string') {
        problem(where, `${show(entry)} is not allowed; use {key, value} with a non-empty string key and a string value`);
        good = false;
        return;
      }
      if (Object.hasOwn(map, entry.key)) {
        problem(where, `key ${quote(entry.key)} is given twice; give each key once`);
        good = false;
        return;
      }
      const bad = check(entry.key, entry.value);
      if (bad !== null) {
        problem(where, `${show(entry)} has ${bad}`);
        good = false;
        return;
      }
      map[entry.key] = entry.value;
    });
    return good ? map : undefined;
  };

  if (spec.group !== undefined) {
    const groupName = isObject(spec.group) ? spec.group.name : undefined;
    if (typeof groupName !== 'string') problem('group.name', `${show(groupName)} must be a string naming the group`);
    else {
      const checked = checkGroupName(groupName);
      if (checked.ok) out.groupName = checked.value;
      else problem('group.name', `${quote(groupName)} ${checked.error}`);
    }
  }
  if (spec.scheme !== undefined) {
    const v = enumOf('scheme', spec.scheme, Scheme);
    if (v !== undefined) out.scheme = v;
  }
  if (spec.ipAddressType !== undefined) {
    const v = enumOf('ipAddressType', spec.ipAddressType, IpAddressType);
    if (v !== undefined) out.ipAddressType = v;
  }
  if (spec.subnets !== undefined) {
    const v = parseSubnets(spec.subnets, problem);
    if (v !== undefined) out.subnets = v;
  }
  if (spec.inboundCIDRs !== undefined) {
    const v = strings('inboundCIDRs', spec.inboundCIDRs, 'CIDRs');
    const bad = v?.findIndex((cidr) => !isCidr(cidr)) ?? -1;
    if (v !== undefined && bad >= 0) problem(`inboundCIDRs[${bad}]`, `${quote(v[bad] ?? '')} is not a CIDR; use for example 10.0.0.0/16 or 2600:1f14::/56`);
    else if (v !== undefined) out.inboundCidrs = v;
  }
  if (spec.sslPolicy !== undefined) {
    const v = str('sslPolicy', spec.sslPolicy);
    if (v === '') problem('sslPolicy', '"" is empty; name an ELB security policy such as ELBSecurityPolicy-TLS13-1-2-2021-06');
    else if (v !== undefined) out.sslPolicy = v;
  }
  if (spec.certificateArn !== undefined) {
    const v = strings('certificateArn', spec.certificateArn, 'ACM certificate ARNs');
    const bad = v?.findIndex((arn) => arn.trim() === '') ?? -1;
    if (v !== undefined && bad >= 0) problem(`certificateArn[${bad}]`, '"" is empty; give an ACM certificate ARN');
    else if (v !== undefined) out.certificateArns = v;
  }
  if (spec.tags !== undefined) {
    const v = keyValues('tags', spec.tags, tagProblem);
    if (v !== undefined) out.tags = v;
  }
  if (spec.loadBalancerAttributes !== undefined) {
    const v = keyValues('loadBalancerAttributes', spec.loadBalancerAttributes, (key) => attributeKeyProblem('load balancer', key));
    if (v !== undefined) out.loadBalancerAttributes = v;
  }
  if (spec.loadBalancerName !== undefined) {
    const v = str('loadBalancerName', spec.loadBalancerName);
    if (v !== undefined) {
      const checked = checkLoadBalancerName(v);
      if (checked.ok) out.loadBalancerName = checked.value;
      else problem('loadBalancerName', `${quote(v)} ${checked.error}`);
    }
  }
  if (spec.namespaceSelector !== undefined) {
    const v = parseSelector(spec.namespaceSelector, problem);
    if (v !== undefined) out.namespaceSelector = v;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: out };
}

/** Subnets by id, or by their `Name` tag: the one tag our subnet lookup resolves. */
function parseSubnets(value: unknown, problem: (field: string, text: string) => void): SubnetSelection | undefined {
  const usage = 'use either ids (a non-empty list of subnet-... ids) or tags (Name: [names])';
  if (!isObject(value)) {
    problem('subnets', `${show(value)} is not allowed; ${usage}`);
    return undefined;
  }
  const { ids, tags } = value;
  if ((ids === undefined) === (tags === undefined)) {
    problem('subnets', `${show(value)} must set exactly one of ids and tags; ${usage}`);
    return undefined;
  }
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0) {
      problem('subnets.ids', `${show(ids)} is not allowed; use a non-empty list of subnet ids`);
      return undefined;
    }
    const bad = ids.findIndex((id: unknown) => typeof id !== 'string' || !/^subnet-[0-9a-f]+$/.test(id));
    if (bad >= 0) {
      problem(`subnets.ids[${bad}]`, `${show(ids[bad])} is not a subnet id; use subnet- followed by hex digits`);
      return undefined;
    }
    return { kind: 'ids', ids: ids as string[] };
  }
  if (!isObject(tags)) {
    problem('subnets.tags', `${show(tags)} is not allowed; use a map from tag key to a list of values`);
    return undefined;
  }
  const keys = Object.keys(tags);
  const other = keys.find((k) => k !== 'Name');
  if (other !== undefined) {
    problem(`subnets.tags`, `key ${quote(other)} is not supported; Albatross selects subnets by id or by their Name tag, so use subnets.ids or subnets.tags with the key Name only`);
    return undefined;
  }
  const names: unknown = tags['Name'];
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== '')) {
    problem('subnets.tags.Name', `${show(names)} is not allowed; use a non-empty list of subnet names`);
    return undefined;
  }
  return { kind: 'named', refs: names as string[] };
}

function parseSelector(value: unknown, problem: (field: string, text: string) => void): NamespaceSelector | undefined {
  if (!isObject(value)) {
    problem('namespaceSelector', `${show(value)} is not allowed; use a label selector with matchLabels and/or matchExpressions`);
    return undefined;
  }
  const requirements: SelectorRequirement[] = [];
  let good = true;
  const { matchLabels, matchExpressions } = value;
  if (matchLabels !== undefined) {
    if (!isObject(matchLabels)) {
      problem('namespaceSelector.matchLabels', `${show(matchLabels)} is not allowed; use a map of label keys to values`);
      good = false;
    } else
      for (const [key, v] of Object.entries(matchLabels)) {
        if (typeof v !== 'string') {
          problem(`namespaceSelector.matchLabels.${key}`, `${show(v)} must be a string`);
          good = false;
        } else requirements.push({ key, operator: 'In', values: [v] });
      }
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) {
      problem('namespaceSelector.matchExpressions', `${show(matchExpressions)} is not allowed; use a list of {key, operator, values}`);
      good = false;
    } else
      matchExpressions.forEach((entry: unknown, i) => {
        const where = `namespaceSelector.matchExpressions[${i}]`;
        if (!isObject(entry) || typeof entry.key !== 'string' || entry.key === '') {
          problem(where, `${show(entry)} is not allowed; use {key, operator, values} with a non-empty key`);
          good = false;
          return;
        }
        const operator = entry.operator;
        if (typeof operator !== 'string' || !(SelectorOperator as readonly string[]).includes(operator)) {
          problem(`${where}.operator`, `${show(operator)} is not allowed; use ${oneOf(SelectorOperator)}`);
          good = false;
          return;
        }
        const values: unknown = entry.values ?? [];
        if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
          problem(`${where}.values`, `${show(values)} is not allowed; use a list of strings`);
          good = false;
          return;
        }
        const needsValues = operator === 'In' || operator === 'NotIn';
        if (needsValues !== values.length > 0) {
          problem(`${where}.values`, `${show(values)} is not allowed with operator ${operator}; ${needsValues ? 'In and NotIn need at least one value' : 'Exists and DoesNotExist take no values'}`);
          good = false;
          return;
        }
        requirements.push({ key: entry.key, operator: operator as SelectorOperator, values: values });
      });
  }
  return good ? { requirements } : undefined;
}

/** Whether labels satisfy every requirement (Kubernetes label selector semantics). */
export function selectorMatches(selector: NamespaceSelector, labels: Readonly<Record<string, string>>): boolean {
  return selector.requirements.every(({ key, operator, values }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        return has && values.includes(labels[key] ?? '');
      case 'NotIn':
        return !has || !values.includes(labels[key] ?? '');
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

/** The selector as kubectl writes one: `team=shop,env in (prod,staging),!legacy,tier`. */
export function describeSelector(selector: NamespaceSelector): string {
  if (selector.requirements.length === 0) return '(every namespace)';
  return selector.requirements
    .map(({ key, operator, values }) => {
      switch (operator) {
        case 'In':
          return values.length === 1 ? `${key}=${values[0] ?? ''}` : `${key} in (${values.join(',')})`;
        case 'NotIn':
          return `${key} notin (${values.join(',')})`;
        case 'Exists':
          return key;
        case 'DoesNotExist':
          return `!${key}`;
      }
    })
    .join(',');
}

/** What governs one Ingress of ours: no params, valid params, or a problem that excludes it. */
export type IngressParams =
  | { readonly kind: 'none' }
  | { readonly kind: 'params'; readonly params: ClassParams }
  | {
      readonly kind: 'excluded';
      /** Why, worded to follow `Ingress ns/name: `. */
      readonly problem: string;
      /** The group the params put the Ingress in, when that much could be read. */
      readonly groupName?: string;
    };

/** What `paramsOfIngress` reads of the cluster. */
export interface ParamsSource {
  readonly ingressClasses: readonly V1IngressClass[];
  ingressClassParams(name: string): V1IngressClassParams | undefined;
  /** Labels of a namespace; a namespace not known has none. */
  namespaceLabels(name: string): Readonly<Record<string, string>>;
}

/** What `spec.parameters` of a class names: nothing, our params by name, or a problem. */
export type ParamsReference = { readonly kind: 'none' } | { readonly kind: 'name'; readonly name: string } | { readonly kind: 'invalid'; readonly problem: string };

/** Reads `spec.parameters` of an IngressClass; `scope: Cluster` may be given or left out. */
export function paramsReferenceOf(ingressClass: V1IngressClass): ParamsReference {
  const ref: unknown = ingressClass.spec?.parameters;
  if (ref === undefined || ref === null) return { kind: 'none' };
  const className = ingressClass.metadata?.name ?? '';
  if (!isObject(ref)) return { kind: 'invalid', problem: `IngressClass ${className}: spec.parameters must be an object, not ${show(ref)}` };
  const { apiGroup, kind, name, scope } = ref;
  if (apiGroup !== ParamsApiGroup || kind !== ParamsKind)
    return {
      kind: 'invalid',
      problem: `IngressClass ${className}: spec.parameters refers to apiGroup ${show(apiGroup)}, kind ${show(kind)}; Albatross reads only apiGroup ${quote(ParamsApiGroup)}, kind ${quote(ParamsKind)}`,
    };
  if (scope !== undefined && scope !== null && scope !== 'Cluster')
    return {
      kind: 'invalid',
      problem: `IngressClass ${className}: spec.parameters.scope: ${show(scope)} is not allowed; IngressClassParams are cluster-scoped, so use "Cluster" or leave it out`,
    };
  if (typeof name !== 'string' || name === '') return { kind: 'invalid', problem: `IngressClass ${className}: spec.parameters.name: ${show(name)} must name an IngressClassParams` };
  return { kind: 'name', name };
}

/**
 * The params that govern an Ingress of ours, through the class that makes it ours: none when
 * the class has no `spec.parameters`; excluded when the reference is wrong, the params do not
 * exist (as the AWS Load Balancer Controller does) or do not validate, or their
 * `namespaceSelector` does not select the Ingress's namespace.
 */
export function paramsOfIngress(ingress: V1Ingress, source: ParamsSource): IngressParams {
  const ingressClass = ingressClassOf(ingress, source.ingressClasses);
  if (ingressClass === undefined) return { kind: 'none' };
  const className = ingressClass.metadata?.name ?? '';
  const ref = paramsReferenceOf(ingressClass);
  if (ref.kind === 'none') return { kind: 'none' };
  if (ref.kind === 'invalid') return { kind: 'excluded', problem: ref.problem };
  const object = source.ingressClassParams(ref.name);
  if (object === undefined)
    return {
      kind: 'excluded',
      problem: `IngressClass ${className}: spec.parameters names IngressClassParams ${ref.name}, which does not exist; the Ingress is left out until it does (create it, or remove spec.parameters from the class)`,
    };
  const parsed = parseIngressClassParams(object);
  if (!parsed.ok) {
    const group = object.spec?.group?.name;
    const groupName = typeof group === 'string' && checkGroupName(group).ok ? group : undefined;
    return { kind: 'excluded', problem: `IngressClass ${className}: ${parsed.problems.join('; ')}`, ...(groupName === undefined ? {} : { groupName }) };
  }
  const { params } = parsed;
  const selector = params.namespaceSelector;
  const namespace = ingress.metadata?.namespace ?? 'default';
  if (selector !== undefined) {
    const labels = source.namespaceLabels(namespace);
    if (!selectorMatches(selector, labels)) {
      const shown = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .sort()
        .join(',');
      return {
        kind: 'excluded',
        problem: `IngressClass ${className} may be used only from namespaces selected by spec.namespaceSelector of IngressClassParams ${params.name} (${describeSelector(selector)}); namespace ${namespace} has ${shown === '' ? 'no labels' : `labels ${shown}`}, so the Ingress is left out`,
        ...(params.groupName === undefined ? {} : { groupName: params.groupName }),
      };
    }
  }
  return { kind: 'params', params };
}
