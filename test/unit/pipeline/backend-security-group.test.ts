import { backendTargetsOf, instanceIdOf, podEniOf, usesBackendSecurityGroup } from '../../../src/pipeline/backend-security-group.js';
import { translateGroup } from '../../../src/translate/translate.js';
import { defined } from '../../defined.js';
import { endpointSlice, ingress, service, snapshot } from '../factories.js';

describe('instanceIdOf', () => {
  it.each([
    ['aws:///us-east-1a/i-0abc1234def567890', 'i-0abc1234def567890'],
    ['aws:///eu-west-1b/i-1234abcd', 'i-1234abcd'],
    ['aws:///us-east-1a/fargate-ip-10-0-64-5.ec2.internal', undefined],
    ['kind://docker/kind/kind-control-plane', undefined],
    [undefined, undefined],
  ])('reads %p as %p', (providerId, instanceId) => {
    expect(instanceIdOf(providerId)).toBe(instanceId);
  });
});

const tls = () => ({ ok: true as const, value: { fingerprint: 'f', names: [] } });

describe('usesBackendSecurityGroup', () => {
  const stackOf = (annotations: Record<string, string>) =>
    defined(
      translateGroup(snapshot({ ingresses: [ingress({ name: 'web', namespace: 'default', host: 'a.example.com', annotations })] }), 'default/web', { clusterName: 'c1', tls }).stack,
      'stack',
    );

  it('is on with the managed frontend group, off with named groups unless manage-backend-security-group-rules is "true"', () => {
    expect(usesBackendSecurityGroup({ kind: 'managed' }, stackOf({}))).toBe(true);
    expect(usesBackendSecurityGroup({ kind: 'managed' }, stackOf({ 'security-groups': 'sg-12345678' }))).toBe(false);
    expect(usesBackendSecurityGroup({ kind: 'given', groupId: 'sg-87654321' }, stackOf({ 'security-groups': 'sg-12345678', 'manage-backend-security-group-rules': 'true' }))).toBe(true);
    expect(usesBackendSecurityGroup({ kind: 'off' }, stackOf({}))).toBe(false);
  });
});

describe('backendTargetsOf', () => {
  it('gives each target its port and the health check port, and the instance of its Node', () => {
    const view = snapshot({
      ingresses: [ingress({ name: 'web', namespace: 'default', host: 'a.example.com', annotations: { 'healthcheck-port': '9090' } })],
      services: [service()],
      endpointSlices: [endpointSlice({ endpoints: [{ addresses: ['10.0.1.10'], nodeName: 'node-a' }, { addresses: ['10.0.1.11'], nodeName: 'node-gone' }] })],
      nodes: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, spec: { providerID: 'aws:///us-east-1a/i-0abc1234def567890' } }],
    });
    const stack = defined(translateGroup(view, 'default/web', { clusterName: 'c1', tls }).stack, 'stack');
    expect(backendTargetsOf(view, stack).map((t) => ({ ip: t.ip, ports: t.ports, query: t.query, ingress: t.ingress }))).toEqual([
      { ip: '10.0.1.10', ports: [8080, 9090], query: { ip: '10.0.1.10', instanceId: 'i-0abc1234def567890' }, ingress: 'default/web' },
      { ip: '10.0.1.11', ports: [8080, 9090], query: { ip: '10.0.1.11' }, ingress: 'default/web' },
    ]);
  });
});

describe('podEniOf', () => {
  const annotation = JSON.stringify([
    { eniId: 'eni-0aaa1111bbbb2222c', ifAddress: '02:00:00:00:00:01', privateIp: '10.0.1.5', vlanID: 1, subnetCidr: '10.0.0.0/19' },
    { eniId: 'eni-0ddd3333eeee4444f', privateIp: '10.0.1.6' },
  ]);
  it.each([
    [annotation, '10.0.1.6', 'eni-0ddd3333eeee4444f'],
    [annotation, '10.0.1.9', undefined],
    [JSON.stringify([{ eniId: 'eni-0aaa1111bbbb2222c' }]), '10.0.1.5', 'eni-0aaa1111bbbb2222c'],
    [JSON.stringify([{ eniId: 'eni-0aaa1111bbbb2222c', privateIp: '10.0.1.7' }]), '10.0.1.5', undefined],
    ['not json', '10.0.1.5', undefined],
    [JSON.stringify({ eniId: 'eni-0aaa1111bbbb2222c' }), '10.0.1.5', undefined],
    [JSON.stringify([{ eniId: 'sg-0aaa1111', privateIp: '10.0.1.5' }]), '10.0.1.5', undefined],
    [undefined, '10.0.1.5', undefined],
  ])('reads %p for %p as %p', (value, ip, eni) => {
    expect(podEniOf(value, ip)).toBe(eni);
  });
});
