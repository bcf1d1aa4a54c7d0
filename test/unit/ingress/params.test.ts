// IngressClassParams read into settings: every problem named by object, field and value; the
// namespace selector as Kubernetes evaluates it; the class's reference to its params.
import type { V1IngressClassParamsSpec } from '../../../src/ingress/params.js';
import {
  describeSelector,
  parseIngressClassParams,
  paramsReferenceOf,
  selectorMatches,
  type NamespaceSelector,
} from '../../../src/ingress/params.js';
import { ingressClass, ingressClassParams } from '../factories.js';

const parse = (spec: V1IngressClassParamsSpec | Record<string, unknown>) => parseIngressClassParams(ingressClassParams('shop', spec));

function problems(spec: Record<string, unknown>): readonly string[] {
  const outcome = parse(spec);
  if (outcome.ok) throw new Error('expected problems');
  return outcome.problems;
}

describe('parsing IngressClassParams', () => {
  test('every field read into its typed value', () => {
    expect(
      parse({
        group: { name: 'shop' },
        scheme: 'internet-facing',
        ipAddressType: 'dualstack',
        subnets: { ids: ['subnet-0a', 'subnet-0b'] },
        inboundCIDRs: ['10.0.0.0/8'],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: ['arn:aws:acm:eu-west-1:1:certificate/a'],
        tags: [{ key: 'team', value: 'shop' }],
        loadBalancerAttributes: [{ key: 'idle_timeout.timeout_seconds', value: '120' }],
        loadBalancerName: 'shop-prod',
        namespaceSelector: { matchLabels: { team: 'shop' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
      }),
    ).toEqual({
      ok: true,
      params: {
        name: 'shop',
        groupName: 'shop',
        scheme: 'internet-facing',
        ipAddressType: 'dualstack',
        subnets: { kind: 'ids', ids: ['subnet-0a', 'subnet-0b'] },
        inboundCidrs: ['10.0.0.0/8'],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArns: ['arn:aws:acm:eu-west-1:1:certificate/a'],
        tags: { team: 'shop' },
        loadBalancerAttributes: { 'idle_timeout.timeout_seconds': '120' },
        loadBalancerName: 'shop-prod',
        namespaceSelector: {
          requirements: [
            { key: 'team', operator: 'In', values: ['shop'] },
            { key: 'env', operator: 'NotIn', values: ['dev'] },
          ],
        },
      },
    });
  });

  test('an empty spec sets nothing', () => {
    expect(parse({})).toEqual({ ok: true, params: { name: 'shop' } });
    expect(parseIngressClassParams({ apiVersion: 'albatross.dev/v1', kind: 'IngressClassParams', metadata: { name: 'bare' } })).toEqual({ ok: true, params: { name: 'bare' } });
  });

  test('subnets by Name tag become subnet names', () => {
    expect(parse({ subnets: { tags: { Name: ['public-a', 'public-b'] } } })).toEqual({
      ok: true,
      params: { name: 'shop', subnets: { kind: 'named', refs: ['public-a', 'public-b'] } },
    });
  });

  test.each([
    [{ scheme: 'public' }, 'IngressClassParams shop: spec.scheme: "public" is not allowed; use "internal" or "internet-facing"'],
    [{ ipAddressType: 'ipv6' }, 'IngressClassParams shop: spec.ipAddressType: "ipv6" is not allowed; use "ipv4", "dualstack" or "dualstack-without-public-ipv4"'],
    [{ group: { name: 'Shop!' } }, 'IngressClassParams shop: spec.group.name: "Shop!" is not a valid group name; use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit'],
    [{ group: {} }, 'IngressClassParams shop: spec.group.name: nothing must be a string naming the group'],
    [{ subnets: { ids: ['subnet-1'], tags: { Name: ['a'] } } }, 'IngressClassParams shop: spec.subnets: {"ids":["subnet-1"],"tags":{"Name":["a"]}} must set exactly one of ids and tags; use either ids (a non-empty list of subnet-... ids) or tags (Name: [names])'],
    [{ subnets: { ids: ['subnet-1', 'web'] } }, 'IngressClassParams shop: spec.subnets.ids[1]: "web" is not a subnet id; use subnet- followed by hex digits'],
    [{ subnets: { ids: [] } }, 'IngressClassParams shop: spec.subnets.ids: [] is not allowed; use a non-empty list of subnet ids'],
    [{ subnets: { tags: { 'kubernetes.io/role/elb': ['1'] } } }, 'IngressClassParams shop: spec.subnets.tags: key "kubernetes.io/role/elb" is not supported; Albatross selects subnets by id or by their Name tag, so use subnets.ids or subnets.tags with the key Name only'],
    [{ inboundCIDRs: ['10.0.0.0/8', '10.0.0.1'] }, 'IngressClassParams shop: spec.inboundCIDRs[1]: "10.0.0.1" is not a CIDR; use for example 10.0.0.0/16 or 2600:1f14::/56'],
    [{ inboundCIDRs: [] }, 'IngressClassParams shop: spec.inboundCIDRs: [] is not allowed; use a non-empty list of CIDRs'],
    [{ sslPolicy: '' }, 'IngressClassParams shop: spec.sslPolicy: "" is empty; name an ELB security policy such as ELBSecurityPolicy-TLS13-1-2-2021-06'],
    [{ certificateArn: 'arn:aws:acm:eu-west-1:1:certificate/a' }, 'IngressClassParams shop: spec.certificateArn: "arn:aws:acm:eu-west-1:1:certificate/a" is not allowed; use a non-empty list of ACM certificate ARNs'],
    [{ tags: [{ key: 'aws:cost', value: 'x' }] }, 'IngressClassParams shop: spec.tags[0]: {"key":"aws:cost","value":"x"} has tag key "aws:cost"; keys starting with "aws:" (in any case) are reserved for AWS'],
    [{ tags: [{ key: 'team', value: 'a' }, { key: 'ELBv2.k8s.aws/cluster', value: 'prod' }] }, 'IngressClassParams shop: spec.tags[1]: {"key":"ELBv2.k8s.aws/cluster","value":"prod"} has tag key "ELBv2.k8s.aws/cluster"; keys starting with "elbv2.k8s.aws/" (in any case) are reserved for the AWS Load Balancer Controller'],
    [{ tags: [{ key: 'team', value: 'a' }, { key: 'team', value: 'b' }] }, 'IngressClassParams shop: spec.tags[1]: key "team" is given twice; give each key once'],
    [{ tags: [{ key: 'team' }] }, 'IngressClassParams shop: spec.tags[0]: {"key":"team"} is not allowed; use {key, value} with a non-empty string key and a string value'],
    [{ loadBalancerAttributes: { 'idle_timeout.timeout_seconds': '60' } }, 'IngressClassParams shop: spec.loadBalancerAttributes: {"idle_timeout.timeout_seconds":"60"} is not allowed; use a list of {key, value}'],
    [{ loadBalancerName: 'internal-shop' }, 'IngressClassParams shop: spec.loadBalancerName: "internal-shop" starts with "internal-", which AWS reserves'],
    [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Equals', values: ['a'] }] } }, 'IngressClassParams shop: spec.namespaceSelector.matchExpressions[0].operator: "Equals" is not allowed; use "In", "NotIn", "Exists" or "DoesNotExist"'],
    [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } }, 'IngressClassParams shop: spec.namespaceSelector.matchExpressions[0].values: [] is not allowed with operator In; In and NotIn need at least one value'],
    [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists', values: ['a'] }] } }, 'IngressClassParams shop: spec.namespaceSelector.matchExpressions[0].values: ["a"] is not allowed with operator Exists; Exists and DoesNotExist take no values'],
    [{ namespaceSelector: { matchLabels: { team: 1 } } }, 'IngressClassParams shop: spec.namespaceSelector.matchLabels.team: 1 must be a string'],
    [{ wafv2AclArn: 'arn:aws:wafv2:x' }, 'IngressClassParams shop: spec.wafv2AclArn: is not supported by Albatross; remove it (supported fields: group, scheme, ipAddressType, subnets, inboundCIDRs, sslPolicy, certificateArn, tags, loadBalancerAttributes, loadBalancerName, namespaceSelector)'],
  ])('%j is refused', (spec, message) => {
    expect(problems(spec)).toEqual([message]);
  });

  test('every problem is listed, not just the first', () => {
    expect(problems({ scheme: 'public', ipAddressType: 'ipv6' })).toEqual([
      'IngressClassParams shop: spec.scheme: "public" is not allowed; use "internal" or "internet-facing"',
      'IngressClassParams shop: spec.ipAddressType: "ipv6" is not allowed; use "ipv4", "dualstack" or "dualstack-without-public-ipv4"',
    ]);
  });
});

describe('namespace selector', () => {
  const selector = (spec: Record<string, unknown>): NamespaceSelector => {
    const outcome = parse({ namespaceSelector: spec });
    if (!outcome.ok || outcome.params.namespaceSelector === undefined) throw new Error('expected a selector');
    return outcome.params.namespaceSelector;
  };

  test('matchLabels: every label must be there with that value', () => {
    const s = selector({ matchLabels: { team: 'shop', env: 'prod' } });
    expect(selectorMatches(s, { team: 'shop', env: 'prod', extra: 'x' })).toBe(true);
    expect(selectorMatches(s, { team: 'shop' })).toBe(false);
    expect(selectorMatches(s, { team: 'blog', env: 'prod' })).toBe(false);
  });

  test('In: the label is there with one of the values', () => {
    const s = selector({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] });
    expect(selectorMatches(s, { env: 'staging' })).toBe(true);
    expect(selectorMatches(s, { env: 'dev' })).toBe(false);
    expect(selectorMatches(s, {})).toBe(false);
  });

  test('NotIn: the label is absent or has none of the values', () => {
    const s = selector({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] });
    expect(selectorMatches(s, { env: 'prod' })).toBe(true);
    expect(selectorMatches(s, {})).toBe(true);
    expect(selectorMatches(s, { env: 'dev' })).toBe(false);
  });

  test('Exists and DoesNotExist look at the key only', () => {
    const exists = selector({ matchExpressions: [{ key: 'team', operator: 'Exists' }] });
    const absent = selector({ matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist', values: [] }] });
    expect(selectorMatches(exists, { team: '' })).toBe(true);
    expect(selectorMatches(exists, {})).toBe(false);
    expect(selectorMatches(absent, {})).toBe(true);
    expect(selectorMatches(absent, { legacy: 'true' })).toBe(false);
  });

  test('an empty selector selects every namespace', () => {
    expect(selectorMatches(selector({}), {})).toBe(true);
    expect(describeSelector(selector({}))).toBe('(every namespace)');
  });

  test('is described as kubectl writes selectors', () => {
    expect(
      describeSelector(
        selector({
          matchLabels: { team: 'shop' },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['prod', 'staging'] },
            { key: 'tier', operator: 'NotIn', values: ['dev'] },
            { key: 'owner', operator: 'Exists' },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        }),
      ),
    ).toBe('team=shop,env in (prod,staging),tier notin (dev),owner,!legacy');
  });
});

describe("an IngressClass's spec.parameters", () => {
  const withParameters = (parameters: Record<string, unknown> | undefined) => {
    const c = ingressClass({ name: 'alb' });
    return { ...c, spec: { controller: 'albatross.dev/alb', ...(parameters === undefined ? {} : { parameters: parameters as { kind: string; name: string } }) } };
  };

  test('names our params, with or without scope: Cluster', () => {
    expect(paramsReferenceOf(withParameters({ apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'shop' }))).toEqual({ kind: 'name', name: 'shop' });
    expect(paramsReferenceOf(withParameters({ apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'shop', scope: 'Cluster' }))).toEqual({ kind: 'name', name: 'shop' });
    expect(paramsReferenceOf(withParameters(undefined))).toEqual({ kind: 'none' });
  });

  test.each([
    [
      { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'shop' },
      'IngressClass alb: spec.parameters refers to apiGroup "elbv2.k8s.aws", kind "IngressClassParams"; Albatross reads only apiGroup "albatross.dev", kind "IngressClassParams"',
    ],
    [
      { apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'shop', scope: 'Namespace', namespace: 'shop' },
      'IngressClass alb: spec.parameters.scope: "Namespace" is not allowed; IngressClassParams are cluster-scoped, so use "Cluster" or leave it out',
    ],
  ])('%j is refused', (parameters, problem) => {
    expect(paramsReferenceOf(withParameters(parameters))).toEqual({ kind: 'invalid', problem });
  });
});
