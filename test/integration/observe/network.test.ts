// VPC discovery without --vpc-id against the emulator: role tags one value per call, and the
// cluster tag decides between VPCs. Other tests' bootstrapped VPCs share the region, so
// every case either names its own cluster or runs in a region of its own.
import { bootstrapNetwork } from '../../../localstack/bootstrap.js';
import { Aws } from '../../../src/aws/clients.js';
import { discoverNetwork } from '../../../src/observe/network.js';
import { awsClientConfig, emulatorRateLimits, endpoint, region } from '../emulator/emulator.js';

let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
const bootstrap = (clusterName: string, inRegion = region()) =>
  bootstrapNetwork({ endpoint: endpoint(), region: inRegion, clusterName, credentials: awsClientConfig().credentials });

describe('discoverNetwork without a VPC id', () => {
  const clients: Aws[] = [];
  const aws = (inRegion = region()) => {
    const client = new Aws({ region: inRegion, endpoint: endpoint(), rateLimits: emulatorRateLimits });
    clients.push(client);
    return client;
  };
  afterAll(() => clients.forEach((c) => c.destroy()));

  it('finds the one tagged VPC of a region with every subnet of it', async () => {
    // A region no other test uses; the name is fixed so a second run finds the same VPC.
    const solo = await bootstrap('discovery-solo', 'eu-north-1');
    const network = await discoverNetwork(aws('eu-north-1'), { clusterName: 'someone-else' });
    expect(network.vpcId).toBe(solo.vpcId);
    expect(network.subnets.map((s) => s.id).sort()).toEqual([...solo.publicSubnetIds, ...solo.privateSubnetIds].sort());
  });

  it('picks the VPC whose subnets carry our cluster tag among other tagged VPCs', async () => {
    const ours = unique('ours');
    const [mine, theirs] = [await bootstrap(ours), await bootstrap(unique('theirs'))];
    const network = await discoverNetwork(aws(), { clusterName: ours });
    expect(network.vpcId).toBe(mine.vpcId);
    expect(network.vpcId).not.toBe(theirs.vpcId);
    expect(network.subnets.filter((s) => s.tags[`kubernetes.io/cluster/${ours}`] === 'shared').map((s) => s.id).sort()).toEqual(
      [...mine.publicSubnetIds, ...mine.privateSubnetIds].sort(),
    );
  });

  it('names the tagged VPCs and says to pass --vpc-id when none is ours', async () => {
    const [first, second] = [await bootstrap(unique('first')), await bootstrap(unique('second'))];
    const nobody = unique('nobody');
    const failure = discoverNetwork(aws(), { clusterName: nobody });
    await expect(failure).rejects.toThrow(first.vpcId);
    await expect(failure).rejects.toThrow(second.vpcId);
    await expect(failure).rejects.toThrow(`none of them carries kubernetes.io/cluster/${nobody}=owned or shared; pass --vpc-id to choose one`);
  });
});
