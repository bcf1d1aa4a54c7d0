// The pipeline end to end against the emulator: create, converge, update in place, repair
// drift, delete, and never touch what is not ours.
import { expect } from '@jest/globals';
import { ACMClient, DeleteCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeregisterTargetsCommand,
  DescribeListenerCertificatesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { endpointSlice, ingress, service, snapshot } from '../../unit/factories.js';
import { bootstrapNetwork } from '../../../localstack/bootstrap.js';
import type { ClusterView } from '../../../src/cluster/view.js';
import { storefront, storefrontSteps } from './storefront.js';
import { awsClientConfig, endpoint, region } from '../emulator/emulator.js';
import { allLoadBalancers, listenerOf, readAlb, requireAlb, route, testCluster, type TestCluster } from './harness.js';
import { defined } from '../../defined.js';

const shop = (overrides: { cartPath?: string; cartService?: string; extraPaths?: { path: string; service: string; port: number }[]; annotations?: Record<string, string> } = {}) =>
  snapshot({
    ingresses: [
      ingress({
        name: 'storefront',
        namespace: 'shop',
        annotations: { 'group.name': 'shop', 'group.order': '1', 'healthcheck-path': '/healthz', 'target-group-attributes': 'deregistration_delay.timeout_seconds=30', ...overrides.annotations },
        host: 'shop.example.com',
        paths: [
          { path: '/', service: 'web', port: 80 },
          { path: overrides.cartPath ?? '/cart', service: overrides.cartService ?? 'cart', port: 8080 },
          ...(overrides.extraPaths ?? []),
        ],
      }),
    ],
    services: [
      service({ name: 'web', namespace: 'shop' }),
      service({ name: 'cart', namespace: 'shop', ports: [{ port: 8080, targetPort: 9000 }] }),
      service({ name: 'search', namespace: 'shop', ports: [{ port: 8080, targetPort: 9000 }] }),
    ],
    endpointSlices: [
      endpointSlice({ service: 'web', namespace: 'shop', endpoints: [{ addresses: ['10.0.1.10', '10.0.2.10'] }, { addresses: ['10.0.3.10'], ready: false }] }),
      endpointSlice({ service: 'cart', namespace: 'shop', ports: [{ port: 9000 }], endpoints: [{ addresses: ['10.0.1.20'] }] }),
      endpointSlice({ service: 'search', namespace: 'shop', ports: [{ port: 9000 }], endpoints: [{ addresses: ['10.0.1.30'] }] }),
    ],
  });

describe('reconcile against the emulator', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster('rec');
  });
  afterEach(() => cluster.close());

  it('creates one ALB per group that routes as the Ingress says, and a second run changes nothing', async () => {
    const first = await cluster.run(shop());
    expect(first.errors).toEqual([]);
    expect(first.groups.map((g) => g.failure)).toEqual([null]);
    const created = cluster.aws.calls.changing;
    expect(created).toBeGreaterThan(0);

    const alb = await requireAlb(cluster, 'shop');
    expect(alb).not.toBeNull();
    const web = route(alb, 80, 'shop.example.com', '/');
    expect(web).toMatch(/^forward k8s-shop-web-/);
    expect(route(alb, 80, 'SHOP.example.com', '/anything/else')).toBe(web);
    expect(route(alb, 80, 'shop.example.com', '/cart')).toMatch(/^forward k8s-shop-cart-/);
    expect(route(alb, 80, 'shop.example.com', '/cart/items/1')).toMatch(/^forward k8s-shop-cart-/);
    expect(route(alb, 80, 'shop.example.com', '/cartography')).toBe(web);
    expect(route(alb, 80, 'other.example.com', '/cart')).toBe('fixed-response 404');

    const second = await cluster.run(shop());
    expect(second.groups[0]?.changes).toEqual([]);
    expect(cluster.aws.calls.changingOperations()).toEqual([]);
    expect(cluster.aws.calls.total).toBeGreaterThan(0);
  });

  it('makes only ready endpoints targets, and one changing call per object on the first run', async () => {
    await cluster.run(shop());
    const ops = cluster.aws.calls.changingOperations().sort();
    // 1 SG (+1 ingress authorisation), 2 TGs (+2 registrations, +2 attribute changes), 1 LB, 1 listener, 2 rules.
    expect(ops).toEqual(
      [
        'AuthorizeSecurityGroupIngress',
        'CreateListener',
        'CreateLoadBalancer',
        'CreateRule',
        'CreateRule',
        'CreateSecurityGroup',
        'CreateTargetGroup',
        'CreateTargetGroup',
        'ModifyTargetGroupAttributes',
        'ModifyTargetGroupAttributes',
        'RegisterTargets',
        'RegisterTargets',
      ].sort(),
    );
    const tgs = await ourTargetGroups(cluster);
    const web = defined(tgs.find((t) => t.TargetGroupName?.startsWith('k8s-shop-web-')), 'the target group of Service web');
    const health = await cluster.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: web.TargetGroupArn }));
    expect((health.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}`).sort()).toEqual(['10.0.1.10:8080', '10.0.2.10:8080']);
    expect(web.HealthCheckPath).toBe('/healthz');
  });

  it('updates a changed rule in place and keeps the others untouched', async () => {
    await cluster.run(shop());
    const before = listenerOf(await requireAlb(cluster, 'shop'), 80).rules.filter((r) => !r.IsDefault);

    // The /cart path now goes to search, and a new path /search appears.
    await cluster.run(shop({ cartService: 'search', extraPaths: [{ path: '/search', service: 'search', port: 8080 }] }));
    expect(cluster.aws.calls.changingOperations().sort()).toEqual(
      ['CreateRule', 'CreateTargetGroup', 'DeleteTargetGroup', 'ModifyRule', 'ModifyTargetGroupAttributes', 'RegisterTargets'].sort(),
    );
    const alb = await requireAlb(cluster, 'shop');
    const after = listenerOf(alb, 80).rules.filter((r) => !r.IsDefault);
    for (const rule of before) {
      const same = after.find((r) => r.RuleArn === rule.RuleArn);
      expect(same).toBeDefined();
      expect(same?.Priority).toBe(rule.Priority);
    }
    expect(route(alb, 80, 'shop.example.com', '/cart/x')).toMatch(/^forward k8s-shop-search-/);
    expect(route(alb, 80, 'shop.example.com', '/search')).toMatch(/^forward k8s-shop-search-/);
  });

  it('puts back rules, default actions, targets, health checks and attributes changed by hand', async () => {
    await cluster.run(shop());
    const alb = await requireAlb(cluster, 'shop');
    const listener = listenerOf(alb, 80);
    const [cartRule, webRule] = listener.rules.filter((r) => !r.IsDefault);
    const tgs = await ourTargetGroups(cluster);
    const web = defined(tgs.find((t) => t.TargetGroupName?.startsWith('k8s-shop-web-')), 'the target group of Service web');

    // Drift by hand: one rule deleted, one changed, one added; default action, targets, health check, attribute.
    await cluster.elbv2.send(new DeleteRuleCommand({ RuleArn: defined(cartRule, 'cartRule').RuleArn }));
    await cluster.elbv2.send(
      new ModifyRuleCommand({ RuleArn: defined(webRule, 'webRule').RuleArn, Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain' } }] }),
    );
    await cluster.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: listener.arn,
        Priority: 5,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/hand-made'] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
      }),
    );
    await cluster.elbv2.send(
      new ModifyListenerCommand({ ListenerArn: listener.arn, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '500' } }] }),
    );
    await cluster.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: web.TargetGroupArn, Targets: [{ Id: '10.0.1.10', Port: 8080 }] }));
    await cluster.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: web.TargetGroupArn, Targets: [{ Id: '10.0.9.9', Port: 8080 }] }));
    await cluster.elbv2.send(new ModifyTargetGroupCommand({ TargetGroupArn: web.TargetGroupArn, HealthCheckPath: '/changed', HealthCheckIntervalSeconds: 60 }));
    await cluster.elbv2.send(
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn: web.TargetGroupArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }] }),
    );

    const repair = await cluster.run(shop());
    expect(repair.errors).toEqual([]);
    expect(repair.groups[0]?.failure).toBeNull();

    const fixed = await requireAlb(cluster, 'shop');
    const rules = listenerOf(fixed, 80).rules;
    expect(rules.filter((r) => !r.IsDefault)).toHaveLength(2);
    expect(rules.some((r) => r.Priority === '5')).toBe(false);
    expect(route(fixed, 80, 'shop.example.com', '/cart')).toMatch(/^forward k8s-shop-cart-/);
    expect(route(fixed, 80, 'shop.example.com', '/')).toMatch(/^forward k8s-shop-web-/);
    expect(route(fixed, 80, 'elsewhere.example.com', '/')).toBe('fixed-response 404');
    const health = await cluster.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: web.TargetGroupArn }));
    expect((health.TargetHealthDescriptions ?? []).map((d) => d.Target?.Id).sort()).toEqual(['10.0.1.10', '10.0.2.10']);
    const tg = defined((await ourTargetGroups(cluster)).find((t) => t.TargetGroupArn === web.TargetGroupArn), 'the target group of Service web');
    expect([tg.HealthCheckPath, tg.HealthCheckIntervalSeconds]).toEqual(['/healthz', 15]);
    const attrs = await cluster.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: web.TargetGroupArn }));
    expect(attrs.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value).toBe('30');

    await cluster.run(shop());
    expect(cluster.aws.calls.changingOperations()).toEqual([]);
  });

  it('recreates a load balancer deleted by hand, reusing the target groups', async () => {
    await cluster.run(shop());
    const alb = await requireAlb(cluster, 'shop');
    const tgsBefore = (await ourTargetGroups(cluster)).map((t) => t.TargetGroupArn).sort();
    await cluster.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: alb.arn }));

    await cluster.run(shop());
    const again = await requireAlb(cluster, 'shop');
    expect(again.arn).not.toBe(alb.arn);
    expect(route(again, 80, 'shop.example.com', '/cart')).toMatch(/^forward k8s-shop-cart-/);
    expect((await ourTargetGroups(cluster)).map((t) => t.TargetGroupArn).sort()).toEqual(tgsBefore);
  });

  it('deletes a group without Ingresses and everything it owns, and leaves what is not ours alone', async () => {
    // given resources nobody tagged for this cluster, one of them tagged for another cluster
    const ec2 = new EC2Client(awsClientConfig());
    const foreignTg = await cluster.elbv2.send(
      new CreateTargetGroupCommand({ Name: `foreign-${Date.now().toString(36)}`, Protocol: 'HTTP', Port: 80, VpcId: cluster.vpcId, TargetType: 'ip' }),
    );
    const otherCluster = await cluster.elbv2.send(
      new CreateTargetGroupCommand({
        Name: `other-${Date.now().toString(36)}`,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: cluster.vpcId,
        TargetType: 'ip',
        Tags: [{ Key: 'albatross.dev/cluster', Value: `${cluster.clusterName}-other` }, { Key: 'albatross.dev/group', Value: 'shop' }],
      }),
    );
    const foreignSg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `foreign-${Date.now().toString(36)}`, Description: 'not ours', VpcId: cluster.vpcId }));
    const subnets = [...(await readAlbSubnets(cluster))];
    const foreignLb = await cluster.elbv2.send(new CreateLoadBalancerCommand({ Name: `foreign-${Date.now().toString(36)}`, Subnets: subnets, Scheme: 'internal' }));

    await cluster.run(shop());
    expect((await ourTargetGroups(cluster)).length).toBe(2);

    // when every Ingress is gone
    const gone = await cluster.run(snapshot({ ingresses: [] }));
    expect(gone.groups.map((g) => g.changes.map((c) => `${c.action} ${c.kind}`))).toEqual([
      ['delete load-balancer', 'delete target-group', 'delete target-group', 'delete security-group'],
    ]);
    expect(await readAlb(cluster, 'shop')).toBeNull();
    expect(await ourTargetGroups(cluster)).toEqual([]);
    const sgs = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [cluster.clusterName] }] }));
    expect(sgs.SecurityGroups).toEqual([]);

    // then the rest is still there
    const allTgs = ((await cluster.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map((t) => t.TargetGroupArn);
    expect(allTgs).toEqual(
      expect.arrayContaining([
        defined(foreignTg.TargetGroups?.[0], 'the foreign target group').TargetGroupArn,
        defined(otherCluster.TargetGroups?.[0], "the other cluster's target group").TargetGroupArn,
      ]),
    );
    const allLbs = (await allLoadBalancers(cluster.elbv2)).map((l) => l.LoadBalancerArn);
    expect(allLbs).toContain(defined(foreignLb.LoadBalancers?.[0], 'the foreign load balancer').LoadBalancerArn);
    const stillSg = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [defined(foreignSg.GroupId, 'foreignSg.GroupId')] }));
    expect(stillSg.SecurityGroups).toHaveLength(1);

    // and a run with nothing to do makes no changing call
    await cluster.run(snapshot({ ingresses: [] }));
    expect(cluster.aws.calls.changingOperations()).toEqual([]);
    ec2.destroy();
  });

  it('finds again what a create made when its answer was lost, instead of making it twice', async () => {
    let lost = 0;
    for (const client of [cluster.aws.elbv2, cluster.aws.ec2]) {
      (client.middlewareStack as { add: (mw: unknown, o: unknown) => void }).add(
        (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
          const result = await next(args);
          // Every other create reaches AWS and takes effect, but its answer never arrives.
          if (/^(Create|Authorize)/.test(context.commandName ?? '') && ++lost % 2 === 1) {
            throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
          }
          return result;
        },
        { step: 'finalizeRequest', name: 'loseResponses' },
      );
    }
    const result = await cluster.run(shop());
    expect(result.groups[0]?.failure).toBeNull();
    expect(lost).toBeGreaterThan(5);

    const created = cluster.aws.calls.changingOperations();
    const ec2 = new EC2Client(awsClientConfig());
    const sgs = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [cluster.clusterName] }] }));
    ec2.destroy();
    expect(sgs.SecurityGroups).toHaveLength(1);
    expect(await ourTargetGroups(cluster)).toHaveLength(2);
    const lbs = await allLoadBalancers(cluster.elbv2);
    const { DescribeTagsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const lbTags = [];
    for (let i = 0; i < lbs.length; i += 20)
      lbTags.push(...((await cluster.elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.slice(i, i + 20).map((l) => defined(l.LoadBalancerArn, 'l.LoadBalancerArn')) }))).TagDescriptions ?? []));
    expect(lbTags.filter((t) => (t.Tags ?? []).some((x) => x.Key === 'albatross.dev/cluster' && x.Value === cluster.clusterName))).toHaveLength(1);
    const alb = await requireAlb(cluster, 'shop');
    expect(listenerOf(alb, 80).rules.filter((r) => !r.IsDefault)).toHaveLength(2);
    expect(route(alb, 80, 'shop.example.com', '/cart')).toMatch(/^forward k8s-shop-cart-/);
    expect(created.filter((op) => op === 'CreateLoadBalancer')).toHaveLength(1);

    await cluster.run(shop());
    expect(cluster.aws.calls.changingOperations()).toEqual([]);
  });

  it('converges through create, change and delete while every other changing request loses its first answer', async () => {
    // given: every other request of each changing operation reaches AWS and takes effect, but
    // its first answer never arrives; retries are answered.
    const lost = new Set<string>();
    const seen = new WeakSet<object>();
    const count = new Map<string, number>();
    for (const client of [cluster.aws.elbv2, cluster.aws.ec2]) {
      (client.middlewareStack as { add: (mw: unknown, o: unknown) => void }).add(
        (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: object }) => {
          const result = await next(args);
          const operation = (context.commandName ?? '').replace(/Command$/, '');
          if (/^(Describe|List|Get)/.test(operation) || seen.has(args.input)) return result;
          seen.add(args.input);
          const n = (count.get(operation) ?? 0) + 1;
          count.set(operation, n);
          if (n % 2 === 1) {
            lost.add(operation);
            throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
          }
          return result;
        },
        { step: 'finalizeRequest', name: 'loseResponses' },
      );
    }
    const acm = new ACMClient(awsClientConfig());
    const ec2 = new EC2Client(awsClientConfig());
    const cert = async (name: string) =>
      defined((await acm.send(new RequestCertificateCommand({ DomainName: `${name}.${cluster.clusterName}.example.com` }))).CertificateArn, `the ARN of certificate ${name}`);
    const [certA, certB, certC, certD, certE] = [await cert('a'), await cert('b'), await cert('c'), await cert('d'), await cert('e')];
    const network = await bootstrapNetwork({ endpoint: endpoint(), region: region(), clusterName: cluster.clusterName, credentials: awsClientConfig().credentials });
    const edgeName = `edge-${cluster.clusterName}`;
    const edge = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: edgeName,
        Description: 'edge',
        VpcId: cluster.vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Name', Value: edgeName }] }],
      }),
    );
    const steps = storefrontSteps({ certificates: [certA, certB, certC, certD, certE], publicSubnetIds: network.publicSubnetIds, edgeSecurityGroup: edgeName });
    const converges = async (snap: ClusterView) => {
      const result = await cluster.run(snap);
      expect(result.errors).toEqual([]);
      expect(result.groups.map((g) => g.failure)).toEqual(result.groups.map(() => null));
      await cluster.run(snap);
      expect(cluster.aws.calls.changingOperations()).toEqual([]);
    };

    // when: created
    await converges(storefront(steps.created));

    // when: changed: a rule's target, rule order, a path, health check, attributes, targets,
    // certificates, default action, tags, inbound rules, IP address type, subnets
    await converges(storefront(steps.changed));
    const alb = await requireAlb(cluster, 'shop');
    expect(route(alb, 80, 'shop.example.com', '/cart')).toMatch(/^forward k8s-shop-web-/);
    expect(route(alb, 443, 'shop.example.com', '/new')).toMatch(/^forward k8s-shop-search-/);
    expect(route(alb, 80, 'shop.example.com', '/old')).toMatch(/^forward k8s-shop-web-/);
    expect(route(alb, 80, 'elsewhere.example.com', '/')).toMatch(/^forward k8s-shop-web-/);
    const sni = await cluster.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: listenerOf(alb, 443).arn }));
    expect((sni.Certificates ?? []).map((c) => `${c.IsDefault === true ? 'default ' : ''}${c.CertificateArn}`).sort()).toEqual(
      [`default ${certC}`, certB, certD].sort(),
    );
    const web = defined((await ourTargetGroups(cluster)).find((t) => t.TargetGroupName?.startsWith('k8s-shop-web-')), 'the target group of Service web');
    expect(web.HealthCheckPath).toBe('/ready');
    const health = await cluster.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: web.TargetGroupArn }));
    expect((health.TargetHealthDescriptions ?? []).map((d) => d.Target?.Id).sort()).toEqual(['10.0.1.10', '10.0.3.10']);
    const lb = defined((await cluster.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [alb.arn] }))).LoadBalancers?.[0], `load balancer ${alb.arn}`);
    expect([lb.IpAddressType, (lb.AvailabilityZones ?? []).map((z) => z.SubnetId).sort()]).toEqual(['dualstack', network.publicSubnetIds.slice(0, 2).sort()]);

    // when: the named security group replaces ours, HTTPS goes, and Service search is no longer used
    await converges(storefront(steps.shrunk));
    const smaller = await requireAlb(cluster, 'shop');
    expect([...smaller.listeners.keys()]).toEqual([80]);
    expect((await ourTargetGroups(cluster)).map((t) => (t.TargetGroupName ?? '').replace(/-[0-9a-f]+$/, '')).sort()).toEqual(['k8s-shop-web']);

    // when: deleted
    await converges(snapshot({ ingresses: [] }));

    // then
    expect(await readAlb(cluster, 'shop')).toBeNull();
    expect(await ourTargetGroups(cluster)).toEqual([]);
    const sgs = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [cluster.clusterName] }] }));
    expect(sgs.SecurityGroups).toEqual([]);
    // Every changing operation apply makes lost an answer at least once.
    expect([...lost].sort()).toEqual([
      'AddListenerCertificates',
      'AddTags',
      'AuthorizeSecurityGroupIngress',
      'CreateListener',
      'CreateLoadBalancer',
      'CreateRule',
      'CreateSecurityGroup',
      'CreateTags',
      'CreateTargetGroup',
      'DeleteListener',
      'DeleteLoadBalancer',
      'DeleteRule',
      'DeleteSecurityGroup',
      'DeleteTags',
      'DeleteTargetGroup',
      'DeregisterTargets',
      'ModifyListener',
      'ModifyLoadBalancerAttributes',
      'ModifyRule',
      'ModifyTargetGroup',
      'ModifyTargetGroupAttributes',
      'RegisterTargets',
      'RemoveListenerCertificates',
      'RemoveTags',
      'RevokeSecurityGroupIngress',
      'SetIpAddressType',
      'SetRulePriorities',
      'SetSecurityGroups',
      'SetSubnets',
    ]);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: defined(edge.GroupId, 'edge.GroupId') }));
    for (const arn of [certA, certB, certC, certD, certE]) await acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
    acm.destroy();
    ec2.destroy();
  });

  it('uses the security groups the annotation names by Name tag, and creates none of its own', async () => {
    const ec2 = new EC2Client(awsClientConfig());
    const name = `edge-${Date.now().toString(36)}`;
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `sg-name-${name}`,
        Description: 'edge',
        VpcId: cluster.vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'Name', Value: name }] }],
      }),
    );
    const result = await cluster.run(shop({ annotations: { 'security-groups': name } }));
    expect(result.errors).toEqual([]);
    const alb = await requireAlb(cluster, 'shop');
    const lb = defined((await cluster.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [alb.arn] }))).LoadBalancers?.[0], `load balancer ${alb.arn}`);
    expect(lb.SecurityGroups).toEqual([group.GroupId]);
    const ours = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:albatross.dev/cluster', Values: [cluster.clusterName] }] }));
    expect(ours.SecurityGroups).toEqual([]);

    const missing = await cluster.run(shop({ annotations: { 'security-groups': 'no-such-group' } }));
    expect(missing.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('no security group named "no-such-group"') })]);
    expect(cluster.aws.calls.changing).toBe(0);
    ec2.destroy();
  });

  it('converges while a share of calls is throttled', async () => {
    let n = 0;
    for (const client of [cluster.aws.elbv2, cluster.aws.ec2]) {
      (client.middlewareStack as { add: (mw: unknown, o: unknown) => void }).add(
        (next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
          // Every third request is refused the way AWS refuses when over its rate.
          if (++n % 3 === 0) {
            throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
          }
          return await next(args);
        },
        { step: 'finalizeRequest', name: 'injectThrottling' },
      );
    }
    const result = await cluster.run(shop());
    expect(result.groups[0]?.failure).toBeNull();
    expect(n).toBeGreaterThan(10);
    const alb = await requireAlb(cluster, 'shop');
    expect(route(alb, 80, 'shop.example.com', '/cart')).toMatch(/^forward k8s-shop-cart-/);
    const again = await cluster.run(shop());
    expect(again.groups[0]?.changes).toEqual([]);
  });
});

async function ourTargetGroups(cluster: TestCluster) {
  const all = (await cluster.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  if (all.length === 0) return [];
  const { DescribeTagsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const tags = (await cluster.elbv2.send(new DescribeTagsCommand({ ResourceArns: all.map((t) => defined(t.TargetGroupArn, 't.TargetGroupArn')) }))).TagDescriptions ?? [];
  const ours = new Set(tags.filter((t) => (t.Tags ?? []).some((x) => x.Key === 'albatross.dev/cluster' && x.Value === cluster.clusterName)).map((t) => t.ResourceArn));
  return all.filter((t) => ours.has(t.TargetGroupArn));
}

async function readAlbSubnets(cluster: TestCluster): Promise<string[]> {
  const { DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = new EC2Client(awsClientConfig());
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [cluster.vpcId] }] }));
  ec2.destroy();
  return defined(subnets.Subnets, 'subnets.Subnets').slice(0, 2).map((s) => defined(s.SubnetId, 's.SubnetId'));
}
