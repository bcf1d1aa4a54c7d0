// Which endpoint addresses become ALB targets: the VPC's subnets and the private ranges ALB
// accepts, nothing else; each refused address is a warning naming the Service.
import { expect } from '@jest/globals';
import type { Network } from '../../../src/observe/network.js';
import { admitTargets, targetAddresses } from '../../../src/pipeline/target-addresses.js';
import { translate } from '../../../src/translate/index.js';
import { defined } from '../../defined.js';
import { endpointSlice, ingress, service, snapshot } from '../factories.js';

const subnet = (id: string, cidrBlocks: string[]) => ({ id, vpcId: 'vpc-1', zone: 'us-east-1a', name: null, tags: {}, availableIps: 10, cidrBlocks });
const network: Network = { vpcId: 'vpc-1', subnets: [subnet('subnet-a', ['203.0.113.0/24', '2600:1f14:1:2::/64'])] };

test('private ranges and the VPC subnets are taken; loopback, link-local, public and garbage are not', () => {
  const allowed = targetAddresses(network);
  for (const ip of ['10.0.1.10', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '203.0.113.7', '2600:1f14:1:2::5'])
    expect([ip, allowed.allows(ip)]).toEqual([ip, true]);
  for (const ip of ['127.0.0.1', '169.254.169.254', '8.8.8.8', '172.32.0.1', '100.128.0.1', '::1', 'fe80::1', '2600:1f14:1:3::5', 'not-an-ip', ''])
    expect([ip, allowed.allows(ip)]).toEqual([ip, false]);
});

test('refused addresses leave their target group, with a warning per address naming the Service', () => {
  const view = snapshot({
    ingresses: [ingress({ namespace: 'shop', paths: [{ path: '/', service: 'web' }] })],
    services: [service({ namespace: 'shop' })],
    endpointSlices: [endpointSlice({ namespace: 'shop', endpoints: [{ addresses: ['10.0.1.10', '127.0.0.1', '169.254.169.254', '8.8.8.8'] }] })],
  });
  const stack = defined(translate(view, { clusterName: 'prod' }).stacks[0], 'a stack');
  const admitted = admitTargets(stack, network);
  expect(admitted.stack.targetGroups.map((t) => t.targets)).toEqual([[{ ip: '10.0.1.10', port: 8080 }]]);
  expect(admitted.warnings.map((w) => w.message)).toEqual(
    ['8.8.8.8', '127.0.0.1', '169.254.169.254'].map(
      (ip) =>
        `Ingress shop/web: Service shop/web port 80: endpoint address "${ip}" is not registered as a target: ALB takes IP targets only from the subnets of vpc-1 (203.0.113.0/24, 2600:1f14:1:2::/64) and 10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16; the Service's other endpoints are registered`,
    ),
  );
  expect(admitTargets(stack, { vpcId: 'vpc-1', subnets: [] }).warnings).toHaveLength(3);
});
