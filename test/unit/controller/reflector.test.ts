import { slimEndpointSlice, slimNode, trim } from '../../../src/controller/reflector.js';

describe('slimEndpointSlice', () => {
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' }, managedFields: [{ manager: 'kcm' }] },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      {
        addresses: ['10.0.1.5'],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: 'node-1',
        zone: 'us-east-1a',
        hostname: 'web-0',
        hints: { forZones: [{ name: 'us-east-1a' }] },
        targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-7d9f8c6b5-x2x4z', uid: '7f3c1a8e-0000-4000-8000-000000000001' },
      },
      { addresses: ['10.0.1.6'], conditions: { ready: false } },
      { addresses: ['10.0.1.7'] },
    ],
  };

  it('keeps addresses, conditions and node name of every endpoint and drops the rest of a ready one', () => {
    expect(slimEndpointSlice(slice)['endpoints']).toEqual([
      { addresses: ['10.0.1.5'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-1' },
      { addresses: ['10.0.1.6'], conditions: { ready: false } },
      { addresses: ['10.0.1.7'] },
    ]);
  });

  it('keeps the Pod kind, name and uid of an endpoint that is not ready', () => {
    const unready = {
      ...slice,
      endpoints: [{ addresses: ['10.0.1.8'], conditions: { ready: false }, nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-2', uid: 'u-2' } }],
    };
    expect(slimEndpointSlice(unready)['endpoints']).toEqual([{ addresses: ['10.0.1.8'], conditions: { ready: false }, nodeName: 'node-2', targetRef: { kind: 'Pod', name: 'web-2', uid: 'u-2' } }]);
  });

  it('keeps metadata, address type and ports as they are', () => {
    const slim = slimEndpointSlice(trim(slice));
    expect(slim.metadata).toEqual({ name: 'web-abc12', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } });
    expect(slim['addressType']).toBe('IPv4');
    expect(slim['ports']).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('does not change the object it was given', () => {
    const before = JSON.stringify(slice);
    slimEndpointSlice(slice);
    expect(JSON.stringify(slice)).toBe(before);
  });

  it('leaves a slice without endpoints alone', () => {
    const empty = { metadata: { name: 'web-none', namespace: 'shop' }, addressType: 'IPv4' };
    expect(slimEndpointSlice(empty)).toBe(empty);
  });
});

describe('slimNode', () => {
  it('keeps the name, provider ID and addresses, and drops what kubelets keep rewriting', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'ip-10-0-64-5.ec2.internal', resourceVersion: '42', labels: { 'node.kubernetes.io/instance-type': 'm7g.large' }, managedFields: [{ manager: 'kubelet' }] },
      spec: { providerID: 'aws:///us-east-1a/i-0abc1234def567890', taints: [{ key: 'dedicated', effect: 'NoSchedule' }] },
      status: {
        addresses: [{ type: 'InternalIP', address: '10.0.64.5' }],
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-12-03T12:00:00Z' }],
        images: [{ names: ['registry/app:1'], sizeBytes: 1 }],
      },
    };
    expect(slimNode(node)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'ip-10-0-64-5.ec2.internal', resourceVersion: '42' },
      spec: { providerID: 'aws:///us-east-1a/i-0abc1234def567890' },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.64.5' }] },
    });
  });
});
