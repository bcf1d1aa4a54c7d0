import { expect } from '@jest/globals';
import {
  annotationsOf,
  checkSuccessCodes,
  isCidr,
  parseBackendProtocol,
  parseBackendProtocolVersion,
  parseCertificateArns,
  parseGroupName,
  parseGroupOrder,
  parseHealthCheckIntervalSeconds,
  parseHealthCheckPath,
  parseHealthCheckPort,
  parseHealthCheckTimeoutSeconds,
  parseHealthyThresholdCount,
  parseInboundCidrs,
  parseIpAddressType,
  parseListenPorts,
  parseLoadBalancerAttributes,
  parseLoadBalancerName,
  parseManageBackendSecurityGroupRules,
  parseScheme,
  parseSecurityGroups,
  parseSslRedirect,
  parseSubnets,
  parseSuccessCodes,
  parseTags,
  parseTargetGroupAttributes,
  parseTargetType,
  parseUnhealthyThresholdCount,
  type Annotations,
  unsupportedProtections,
} from '../../../src/ingress/annotations.js';
import type { Result } from '../../../src/model/result.js';
import { translate } from '../../../src/translate/index.js';
import { ingress, snapshot } from '../factories.js';
import { defined } from '../../defined.js';

const p = 'alb.ingress.kubernetes.io/';
const on = (name: string, value: string): Annotations => ({ [`${p}${name}`]: value });

type AnyParser = (a: Annotations) => Result<unknown>;

describe('valid annotation values', () => {
  test.each<[string, AnyParser, string, string, unknown]>([
    ['group.name', parseGroupName, 'group.name', 'my-team.awesome-group', 'my-team.awesome-group'],
    ['group.order', parseGroupOrder, 'group.order', '-1000', -1000],
    ['group.order', parseGroupOrder, 'group.order', '1000', 1000],
    ['load-balancer-name', parseLoadBalancerName, 'load-balancer-name', 'Shop-Prod-1', 'Shop-Prod-1'],
    ['scheme', parseScheme, 'scheme', 'internet-facing', 'internet-facing'],
    ['ip-address-type', parseIpAddressType, 'ip-address-type', 'dualstack-without-public-ipv4', 'dualstack-without-public-ipv4'],
    ['subnets ids', parseSubnets, 'subnets', 'subnet-aaa, subnet-bbb', { kind: 'ids', ids: ['subnet-aaa', 'subnet-bbb'] }],
    ['subnets names', parseSubnets, 'subnets', 'subnet-aaa,public-a', { kind: 'named', refs: ['subnet-aaa', 'public-a'] }],
    ['security-groups', parseSecurityGroups, 'security-groups', 'sg-1, web', ['sg-1', 'web']],
    ['inbound-cidrs', parseInboundCidrs, 'inbound-cidrs', '10.0.0.0/8, 2600:1f14::/56', ['10.0.0.0/8', '2600:1f14::/56']],
    ['listen-ports', parseListenPorts, 'listen-ports', '[{"HTTPS": 443}, {"HTTP": 80}]', [{ protocol: 'HTTP', port: 80 }, { protocol: 'HTTPS', port: 443 }]],
    ['listen-ports several per object', parseListenPorts, 'listen-ports', '[{"HTTP": 8080, "HTTPS": 8443}]', [{ protocol: 'HTTP', port: 8080 }, { protocol: 'HTTPS', port: 8443 }]],
    ['certificate-arn', parseCertificateArns, 'certificate-arn', 'arn:a,arn:b', ['arn:a', 'arn:b']],
    ['ssl-redirect', parseSslRedirect, 'ssl-redirect', '443', 443],
    ['load-balancer-attributes', parseLoadBalancerAttributes, 'load-balancer-attributes', 'idle_timeout.timeout_seconds=600, routing.http2.enabled=true', { 'idle_timeout.timeout_seconds': '600', 'routing.http2.enabled': 'true' }],
    ['target-group-attributes', parseTargetGroupAttributes, 'target-group-attributes', 'deregistration_delay.timeout_seconds=30', { 'deregistration_delay.timeout_seconds': '30' }],
    ['tags', parseTags, 'tags', 'Environment=dev,Team=test', { Environment: 'dev', Team: 'test' }],
    ['tags with = in value', parseTags, 'tags', 'expr=a=b', { expr: 'a=b' }],
    ['manage-backend-security-group-rules', parseManageBackendSecurityGroupRules, 'manage-backend-security-group-rules', 'false', false],
    ['target-type', parseTargetType, 'target-type', 'ip', 'ip'],
    ['backend-protocol', parseBackendProtocol, 'backend-protocol', 'HTTPS', 'HTTPS'],
    ['backend-protocol-version', parseBackendProtocolVersion, 'backend-protocol-version', 'GRPC', 'GRPC'],
    ['healthcheck-port traffic-port', parseHealthCheckPort, 'healthcheck-port', 'traffic-port', { kind: 'traffic-port' }],
    ['healthcheck-port number', parseHealthCheckPort, 'healthcheck-port', '8081', { kind: 'number', port: 8081 }],
    ['healthcheck-port name', parseHealthCheckPort, 'healthcheck-port', 'metrics', { kind: 'name', name: 'metrics' }],
    ['healthcheck-path', parseHealthCheckPath, 'healthcheck-path', '/healthz', '/healthz'],
    ['healthcheck-interval-seconds', parseHealthCheckIntervalSeconds, 'healthcheck-interval-seconds', '300', 300],
    ['healthcheck-timeout-seconds', parseHealthCheckTimeoutSeconds, 'healthcheck-timeout-seconds', '2', 2],
    ['healthy-threshold-count', parseHealthyThresholdCount, 'healthy-threshold-count', '10', 10],
    ['unhealthy-threshold-count', parseUnhealthyThresholdCount, 'unhealthy-threshold-count', '2', 2],
    ['success-codes', parseSuccessCodes, 'success-codes', '200-399, 401', '200-399,401'],
  ])('%s', (_, parse, name, value, expected) => {
    expect(parse(on(name, value))).toEqual({ ok: true, value: expected });
  });

  test('absent annotations parse to undefined', () => {
    for (const parse of [parseScheme, parseSubnets, parseListenPorts, parseTags, parseGroupOrder] as AnyParser[])
      expect(parse({})).toEqual({ ok: true, value: undefined });
  });
});

describe('invalid annotation values: the message names the annotation, the value and what is allowed', () => {
  test.each<[AnyParser, string, string, string]>([
    [parseScheme, 'scheme', 'public', `annotation ${p}scheme: "public" is not allowed; use "internal" or "internet-facing"`],
    [parseIpAddressType, 'ip-address-type', 'ipv6', `annotation ${p}ip-address-type: "ipv6" is not allowed; use "ipv4", "dualstack" or "dualstack-without-public-ipv4"`],
    [parseGroupName, 'group.name', 'My_Group', `annotation ${p}group.name: "My_Group" is not a valid group name; use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit`],
    [parseGroupName, 'group.name', 'a'.repeat(64), `annotation ${p}group.name: "${'a'.repeat(64)}" is longer than 63 characters`],
    [parseGroupOrder, 'group.order', '1001', `annotation ${p}group.order: "1001" is out of range; use a whole number from -1000 to 1000`],
    [parseGroupOrder, 'group.order', 'first', `annotation ${p}group.order: "first" is not a whole number; use a whole number from -1000 to 1000`],
    [parseLoadBalancerName, 'load-balancer-name', 'a'.repeat(33), `annotation ${p}load-balancer-name: "${'a'.repeat(33)}" is not 1 to 32 characters long; use at most 32 letters, digits and hyphens, not starting or ending with a hyphen`],
    [parseLoadBalancerName, 'load-balancer-name', 'shop_prod', `annotation ${p}load-balancer-name: "shop_prod" is not a valid load balancer name; use at most 32 letters, digits and hyphens, not starting or ending with a hyphen`],
    [parseLoadBalancerName, 'load-balancer-name', '-shop', `annotation ${p}load-balancer-name: "-shop" is not a valid load balancer name; use at most 32 letters, digits and hyphens, not starting or ending with a hyphen`],
    [parseLoadBalancerName, 'load-balancer-name', 'internal-shop', `annotation ${p}load-balancer-name: "internal-shop" starts with "internal-", which AWS reserves`],
    [parseSubnets, 'subnets', ' , ', `annotation ${p}subnets: " , " is empty; give a comma-separated list of subnet ids or Name tags`],
    [parseInboundCidrs, 'inbound-cidrs', '10.0.0.0/8,10.0.0.300/32', `annotation ${p}inbound-cidrs: "10.0.0.0/8,10.0.0.300/32" has "10.0.0.300/32", which is not a CIDR; use for example 10.0.0.0/16 or 2600:1f14::/56`],
    [parseListenPorts, 'listen-ports', '[{"HTTP": 80}', `annotation ${p}listen-ports: "[{\\"HTTP\\": 80}" is not valid JSON; use JSON like [{"HTTP": 80}, {"HTTPS": 443}]`],
    [parseListenPorts, 'listen-ports', '[{"TCP": 80}]', `annotation ${p}listen-ports: "[{\\"TCP\\": 80}]" has protocol "TCP"; use "HTTP" or "HTTPS"`],
    [parseListenPorts, 'listen-ports', '[{"HTTP": 0}]', `annotation ${p}listen-ports: "[{\\"HTTP\\": 0}]" has port 0 for HTTP; use a whole number from 1 to 65535`],
    [parseListenPorts, 'listen-ports', '[]', `annotation ${p}listen-ports: "[]" is not a non-empty JSON list; use JSON like [{"HTTP": 80}, {"HTTPS": 443}]`],
    [parseListenPorts, 'listen-ports', '[{"HTTP": 80}, {"HTTPS": 80}]', `annotation ${p}listen-ports: "[{\\"HTTP\\": 80}, {\\"HTTPS\\": 80}]" lists port 80 as both HTTP and HTTPS; use each port once`],
    [parseTags, 'tags', 'team', `annotation ${p}tags: "team" has an item "team" that is not key=value; use k1=v1,k2=v2`],
    [parseTags, 'tags', 'albatross.dev/group=x', `annotation ${p}tags: "albatross.dev/group=x" has tag key "albatross.dev/group"; keys starting with "albatross.dev/" (in any case) are reserved for Albatross`],
    [parseTags, 'tags', 'team=a,Albatross.dev/cluster=x', `annotation ${p}tags: "team=a,Albatross.dev/cluster=x" has tag key "Albatross.dev/cluster"; keys starting with "albatross.dev/" (in any case) are reserved for Albatross`],
    [parseTags, 'tags', 'aws:cloudformation=x', `annotation ${p}tags: "aws:cloudformation=x" has tag key "aws:cloudformation"; keys starting with "aws:" (in any case) are reserved for AWS`],
    // The AWS Load Balancer Controller finds, adopts and deletes resources by these keys.
    [parseTags, 'tags', 'elbv2.k8s.aws/cluster=prod', `annotation ${p}tags: "elbv2.k8s.aws/cluster=prod" has tag key "elbv2.k8s.aws/cluster"; keys starting with "elbv2.k8s.aws/" (in any case) are reserved for the AWS Load Balancer Controller`],
    [parseTags, 'tags', 'ingress.k8s.aws/stack=shop', `annotation ${p}tags: "ingress.k8s.aws/stack=shop" has tag key "ingress.k8s.aws/stack"; keys starting with "ingress.k8s.aws/" (in any case) are reserved for the AWS Load Balancer Controller`],
    [parseTags, 'tags', 'Ingress.K8s.AWS/resource=LoadBalancer', `annotation ${p}tags: "Ingress.K8s.AWS/resource=LoadBalancer" has tag key "Ingress.K8s.AWS/resource"; keys starting with "ingress.k8s.aws/" (in any case) are reserved for the AWS Load Balancer Controller`],
    [parseTags, 'tags', 'service.k8s.aws/stack=shop/web', `annotation ${p}tags: "service.k8s.aws/stack=shop/web" has tag key "service.k8s.aws/stack"; keys starting with "service.k8s.aws/" (in any case) are reserved for the AWS Load Balancer Controller`],
    [parseLoadBalancerAttributes, 'load-balancer-attributes', '=true', `annotation ${p}load-balancer-attributes: "=true" has an item "=true" that is not key=value; use k1=v1,k2=v2`],
    [parseManageBackendSecurityGroupRules, 'manage-backend-security-group-rules', 'yes', `annotation ${p}manage-backend-security-group-rules: "yes" is not allowed; use "true" or "false"`],
    [parseTargetType, 'target-type', 'instance', `annotation ${p}target-type: "instance" is not supported; only "ip" is supported: Albatross registers pod IPs`],
    [parseBackendProtocol, 'backend-protocol', 'TCP', `annotation ${p}backend-protocol: "TCP" is not allowed; use "HTTP" or "HTTPS"`],
    [parseBackendProtocolVersion, 'backend-protocol-version', 'HTTP3', `annotation ${p}backend-protocol-version: "HTTP3" is not allowed; use "HTTP1", "HTTP2" or "GRPC"`],
    [parseHealthCheckPort, 'healthcheck-port', '70000', `annotation ${p}healthcheck-port: "70000" is out of range; use a whole number from 1 to 65535`],
    [parseHealthCheckPath, 'healthcheck-path', 'healthz', `annotation ${p}healthcheck-path: "healthz" is not allowed; use a path starting with "/", at most 1024 characters`],
    [parseHealthCheckIntervalSeconds, 'healthcheck-interval-seconds', '4', `annotation ${p}healthcheck-interval-seconds: "4" is out of range; use a whole number from 5 to 300`],
    [parseHealthCheckTimeoutSeconds, 'healthcheck-timeout-seconds', '121', `annotation ${p}healthcheck-timeout-seconds: "121" is out of range; use a whole number from 2 to 120`],
    [parseHealthyThresholdCount, 'healthy-threshold-count', '1', `annotation ${p}healthy-threshold-count: "1" is out of range; use a whole number from 2 to 10`],
    [parseUnhealthyThresholdCount, 'unhealthy-threshold-count', '11', `annotation ${p}unhealthy-threshold-count: "11" is out of range; use a whole number from 2 to 10`],
    [parseSuccessCodes, 'success-codes', 'ok', `annotation ${p}success-codes: "ok" is not allowed; use codes and ranges like "200", "200,302" or "200-399"`],
    [parseSslRedirect, 'ssl-redirect', 'https', `annotation ${p}ssl-redirect: "https" is not a whole number; use a whole number from 1 to 65535`],
  ])('%#: %s = %s', (parse, name, value, message) => {
    expect(parse(on(name, value))).toEqual({ ok: false, error: message });
  });
});

describe('the message of an excluded Ingress', () => {
  test('names the Ingress, the annotation, the value and what is allowed', () => {
    // given
    const bad = ingress({ namespace: 'shop', name: 'cart', annotations: { scheme: 'public' } });
    // when
    const state = translate(snapshot({ ingresses: [bad] }), { clusterName: 'c' });
    // then
    expect(state.errors).toEqual([
      {
        ingress: 'shop/cart',
        group: 'shop/cart',
        severity: 'excluded',
        message: 'Ingress shop/cart: annotation alb.ingress.kubernetes.io/scheme: "public" is not allowed; use "internal" or "internet-facing"',
      },
    ]);
    expect(state.stacks).toEqual([]);
    expect(state.frozenGroups).toEqual(['shop/cart']);
  });

  test('lists every problem of the Ingress, not just the first', () => {
    const bad = ingress({ annotations: { scheme: 'public', 'ip-address-type': 'v6', 'healthcheck-path': 'x' } });
    const state = translate(snapshot({ ingresses: [bad] }), { clusterName: 'c' });
    expect(state.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('scheme: "public"'),
      expect.stringContaining('ip-address-type: "v6"'),
      expect.stringContaining('healthcheck-path: "x"'),
    ]);
  });
});

describe('helpers', () => {
  test.each([
    ['10.0.0.0/8', true],
    ['0.0.0.0/0', true],
    ['::/0', true],
    ['2600:1f14:abcd::/56', true],
    ['::ffff:10.0.0.1/128', true],
    ['10.0.0.0', false],
    ['10.0.0.0/33', false],
    ['2600:1f14::/129', false],
    ['1:2:3:4:5:6:7:8:9/64', false],
    ['010.0.0.0/8', false],
    ['1:2:3:4:5:6:1.2.3.4/96', true],
    ['::ffff:010.0.0.1/128', false],
    ['1::2::3/64', false],
    ['fe80::1%eth0/64', false],
    ['256.0.0.0/8', false],
    ['10.0.0/24', false],
    ['10.0.0.0/', false],
    ['10.0.0.0/-1', false],
    [' 10.0.0.0/8', false],
    ['[2600:1f14::]/56', false],
  ])('isCidr(%s) = %s', (cidr, expected) => {
    expect(isCidr(cidr)).toBe(expected);
  });

  test.each([
    ['200', 'HTTP1', true],
    ['200-499', 'HTTP2', true],
    ['500', 'HTTP1', false],
    ['12', 'GRPC', true],
    ['0-99', 'GRPC', true],
    ['200', 'GRPC', false],
    ['300-200', 'HTTP1', false],
  ] as const)('success codes %s for %s', (codes, version, valid) => {
    expect(checkSuccessCodes(codes, version).ok).toBe(valid);
  });

  test('annotation values written as numbers or booleans in YAML read as strings', () => {
    const obj = { metadata: { annotations: { a: 10, b: true, c: 'x', d: null } as unknown as Record<string, string> } };
    expect(annotationsOf(obj)).toEqual({ a: '10', b: 'true', c: 'x' });
  });
});

describe('protective annotations not supported yet', () => {
  it('reports each one, so the Ingress is never served without the protection it asks for', () => {
    expect(
      unsupportedProtections({
        'alb.ingress.kubernetes.io/auth-type': 'oidc',
        'alb.ingress.kubernetes.io/wafv2-acl-arn': 'arn:aws:wafv2:us-east-1:1:regional/webacl/x/1',
        'alb.ingress.kubernetes.io/healthcheck-path': '/',
      }),
    ).toEqual([
      'annotation alb.ingress.kubernetes.io/auth-type: "oidc" is not supported yet; the Ingress is left out rather than served without that protection (remove the annotation to serve it unprotected)',
      'annotation alb.ingress.kubernetes.io/wafv2-acl-arn: "arn:aws:wafv2:us-east-1:1:regional/webacl/x/1" is not supported yet; the Ingress is left out rather than served without that protection (remove the annotation to serve it unprotected)',
    ]);
  });

  it('accepts auth-type none, which asks for nothing', () => {
    expect(unsupportedProtections({ 'alb.ingress.kubernetes.io/auth-type': 'none' })).toEqual([]);
  });
});

describe('an Ingress asking for authentication', () => {
  it('is left out of its group with an error, and the other members are applied', () => {
    const state = translate(
      snapshot({
        ingresses: [
          ingress({ name: 'open', annotations: { 'group.name': 'g' } }),
          ingress({ name: 'private', annotations: { 'group.name': 'g', 'auth-type': 'cognito' }, paths: [{ path: '/admin' }] }),
        ],
      }),
      { clusterName: 'c' },
    );
    expect(state.errors).toEqual([expect.objectContaining({ ingress: 'default/private', severity: 'excluded', message: expect.stringContaining('auth-type') })]);
    expect(state.stacks[0]?.ingresses).toEqual(['default/open']);
    expect(defined(state.stacks[0], 'state.stacks[0]').rules.some((r) => JSON.stringify(r.conditions).includes('/admin'))).toBe(false);
  });
});
