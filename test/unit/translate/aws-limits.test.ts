// AWS's quotas and value rules, checked while translating: a per-Ingress problem leaves that
// Ingress out, a group over a quota is not built at all, and every message names the Ingress,
// the value and the limit.
import { expect } from '@jest/globals';
import type { V1Ingress } from '@kubernetes/client-node';
import type { DesiredState } from '../../../src/model/resources.js';
import { translate } from '../../../src/translate/index.js';
import { endpointSlice, ingress, service, snapshot } from '../factories.js';

function run(ingresses: readonly V1Ingress[], services = [service()]): DesiredState {
  return translate(snapshot({ ingresses, services, endpointSlices: [endpointSlice()] }), { clusterName: 'prod' });
}

const tags = (n: number): string => Array.from({ length: n }, (_, i) => `t${i}=v`).join(',');
const ports = (n: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ HTTP: 8000 + i })));

describe('a group over a per-resource quota is not built', () => {
  test('48 user tags: 51 on the load balancer with the three Albatross adds, over the 50 AWS allows', () => {
    const state = run([ingress({ annotations: { tags: tags(48) } })]);
    expect(state.stacks).toEqual([]);
    expect(state.errors).toEqual([
      expect.objectContaining({
        ingress: 'default/web',
        severity: 'excluded',
        message:
          'Ingress default/web: group default/web needs 51 tags on the load balancer (48 from annotation alb.ingress.kubernetes.io/tags and IngressClassParams, 3 that Albatross adds); AWS allows at most 50 tags per resource, so the group is not changed. Remove 1 of the tags',
      }),
    ]);
  });

  test('46 user tags fit everywhere, rules included (they carry a fourth tag of ours)', () => {
    const state = run([ingress({ annotations: { tags: tags(46) } })]);
    expect(state.errors).toEqual([]);
    expect(state.stacks).toHaveLength(1);
  });

  test('47 user tags: the rules would carry 51', () => {
    const state = run([ingress({ annotations: { tags: tags(47) } })]);
    expect(state.stacks).toEqual([]);
    expect(state.errors[0]?.message).toMatch(/needs 51 tags on rule rule\/80\/[0-9a-f]{12} \(47 from .* 4 that Albatross adds\)/);
  });

  test('60 listen ports: over 50 listeners per load balancer', () => {
    const state = run([ingress({ annotations: { 'listen-ports': ports(60), 'security-groups': 'sg-0123abcd' } })]);
    expect(state.stacks).toEqual([]);
    expect(state.errors).toEqual([
      expect.objectContaining({
        ingress: 'default/web',
        message: expect.stringContaining(
          'group default/web needs 60 listeners (one per listen port: 8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, ...); an ALB allows at most 50, so the group is not changed',
        ),
      }),
    ]);
  });

  test('ports × inbound CIDRs over 60 rules of the managed security group, IPv4 and IPv6 counted apart', () => {
    const state = run([ingress({ annotations: { 'listen-ports': ports(31), 'inbound-cidrs': '10.0.0.0/8, 192.168.0.0/16' } })]);
    expect(state.stacks).toEqual([]);
    expect(state.errors[0]?.message).toContain(
      'group default/web needs 62 IPv4 inbound rules in its security group (31 listen ports × 2 IPv4 CIDRs from annotation alb.ingress.kubernetes.io/inbound-cidrs); a security group allows at most 60, so the group is not changed',
    );
    // 30 ports from one IPv4 and one IPv6 CIDR: 30 rules of each family.
    expect(run([ingress({ annotations: { 'listen-ports': ports(30), 'inbound-cidrs': '10.0.0.0/8, 2600:1f14::/56' } })]).errors).toEqual([]);
  });

  test('the other groups are built', () => {
    const state = run([
      ingress({ name: 'big', annotations: { tags: tags(48) } }),
      ingress({ name: 'small', annotations: { tags: 'team=shop' } }),
    ]);
    expect(state.stacks.map((s) => s.group)).toEqual(['default/small']);
    expect(state.errors.map((e) => e.ingress)).toEqual(['default/big']);
  });
});

describe('two groups asking for one load balancer name', () => {
  test('names that differ only in case are one name', () => {
    const state = run([
      ingress({ name: 'a', annotations: { 'group.name': 'one', 'load-balancer-name': 'shop-prod' } }),
      ingress({ name: 'b', annotations: { 'group.name': 'two', 'load-balancer-name': 'Shop-Prod' }, paths: [{ path: '/b' }] }),
    ]);
    expect(state.stacks).toEqual([]);
    expect(state.errors.map((e) => e.ingress)).toEqual(['default/a', 'default/b']);
  });

  test('both are stopped, each told of the other; a third group is built', () => {
    const state = run([
      ingress({ name: 'a', annotations: { 'group.name': 'one', 'load-balancer-name': 'shop-prod' } }),
      ingress({ name: 'b', annotations: { 'group.name': 'two', 'load-balancer-name': 'shop-prod' }, paths: [{ path: '/b' }] }),
      ingress({ name: 'c', annotations: { 'group.name': 'three', 'load-balancer-name': 'shop-other' } }),
    ]);
    expect(state.stacks.map((s) => s.group)).toEqual(['alb:three']);
    expect(state.errors).toEqual([
      expect.objectContaining({
        ingress: 'default/a',
        message:
          'Ingress default/a: annotation alb.ingress.kubernetes.io/load-balancer-name: load balancer name "shop-prod" is also asked for by group alb:two (Ingress default/b); a load balancer name is unique per region and account, so neither group is changed. Give each group its own name',
      }),
      expect.objectContaining({ ingress: 'default/b', message: expect.stringContaining('is also asked for by group alb:one (Ingress default/a)') }),
    ]);
  });
});

describe('values ALB refuses leave their Ingress out', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    ['ImplementationSpecific /(.*)', {}, '/(.*)', 'path "/(.*)" has the character "(", which ALB does not accept in a path pattern'],
    ['a path with a space', {}, '/a b', 'path "/a b" has the character U+0020, which ALB does not accept in a path pattern'],
    ['a path outside ASCII', {}, '/café', 'path "/café" has the character U+00E9'],
  ];
  test.each(cases)('%s', (_label, annotations, path, message) => {
    const state = run([
      ingress({ name: 'bad', annotations: { 'group.name': 'g', ...annotations }, paths: [{ path, pathType: 'ImplementationSpecific' }] }),
      ingress({ name: 'good', annotations: { 'group.name': 'g' }, paths: [{ path: '/ok' }] }),
    ]);
    expect(state.stacks.map((s) => s.ingresses)).toEqual([['default/good']]);
    expect(state.errors).toEqual([expect.objectContaining({ ingress: 'default/bad', severity: 'excluded', message: expect.stringContaining(message) })]);
  });

  test('an Exact or Prefix path is held to the same characters', () => {
    expect(run([ingress({ paths: [{ path: '/a b', pathType: 'Exact' }] })]).errors[0]?.message).toContain('has the character U+0020');
    expect(run([ingress({ paths: [{ path: '/a%20b', pathType: 'Prefix' }] })]).errors[0]?.message).toContain('has the character "%"');
  });

  test('the characters ALB documents for paths are accepted', () => {
    const path = `/A-z_0.9$~"'@:+&/*?`;
    expect(run([ingress({ paths: [{ path, pathType: 'ImplementationSpecific' }] })]).errors).toEqual([]);
  });

  const conditions = (json: unknown): Record<string, string> => ({ 'conditions.web': JSON.stringify(json) });
  test('a condition value over 128 characters, shown cut short', () => {
    const long = 'x'.repeat(200);
    const state = run([ingress({ annotations: conditions([{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-A', values: [long] } }]) })]);
    expect(state.errors[0]?.message).toBe(
      `Ingress default/web: rules[0].http.paths[0]: annotation alb.ingress.kubernetes.io/conditions.web: [0].httpHeaderConfig.values: "${'x'.repeat(200)}" is 200 characters long; ALB allows at most 128 characters in an HTTP header condition value`,
    );
  });

  test('condition values outside ASCII: host, header, query string', () => {
    const host = run([ingress({ annotations: conditions([{ field: 'host-header', hostHeaderConfig: { values: ['bücher.example'] } }]) })]);
    expect(host.errors[0]?.message).toContain('[0].hostHeaderConfig.values: "bücher.example" has the character U+00FC');
    const header = run([ingress({ annotations: conditions([{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-A', values: ['naïve'] } }]) })]);
    expect(header.errors[0]?.message).toContain('has the character U+00EF');
    const query = run([ingress({ annotations: conditions([{ field: 'query-string', queryStringConfig: { values: [{ key: 'q', value: 'a b' }] } }]) })]);
    expect(query.errors[0]?.message).toContain('[0].queryStringConfig.values[0].value: "a b" has the character U+0020');
  });
});

describe('attribute keys AWS does not have leave their Ingress out', () => {
  test('load-balancer-attributes', () => {
    const state = run([ingress({ annotations: { 'load-balancer-attributes': 'idle_timeout.timeout_seconds=60,foo.bar=1' } })]);
    expect(state.stacks).toEqual([]);
    expect(state.errors[0]?.message).toMatch(
      /^Ingress default\/web: annotation alb.ingress.kubernetes.io\/load-balancer-attributes: "idle_timeout.timeout_seconds=60,foo.bar=1" has key "foo.bar", which is not an attribute of an Application Load Balancer; AWS has "deletion_protection.enabled", /,
    );
  });

  test('target-group-attributes, on the Ingress or on a Service', () => {
    const onIngress = run([ingress({ annotations: { 'target-group-attributes': 'foo.bar=1' } })]);
    expect(onIngress.errors[0]?.message).toContain('has key "foo.bar", which is not an attribute of an Application Load Balancer\'s target group');
    const onService = run([ingress()], [service({ annotations: { 'target-group-attributes': 'proxy_protocol_v2.enabled=true' } })]);
    expect(onService.errors[0]?.message).toContain('Service default/web: annotation alb.ingress.kubernetes.io/target-group-attributes');
    expect(onService.errors[0]?.message).toContain('key "proxy_protocol_v2.enabled"');
  });

  test('documented keys pass', () => {
    const state = run([
      ingress({
        annotations: {
          'load-balancer-attributes': 'idle_timeout.timeout_seconds=600,routing.http2.enabled=true,deletion_protection.enabled=true',
          'target-group-attributes': 'deregistration_delay.timeout_seconds=30,stickiness.enabled=true,stickiness.lb_cookie.duration_seconds=60',
        },
      }),
    ]);
    expect(state.errors).toEqual([]);
  });
});
