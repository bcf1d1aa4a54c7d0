// The command lines users type: what each flag means, and what a wrong one says.
import { parseCli } from '../../../src/cli/args.js';
import { parseControllerArgs } from '../../../src/cli/controller-args.js';
import { defaultRateLimits } from '../../../src/aws/rate-limit.js';

const env = { AWS_REGION: 'eu-west-1' };

describe('albatross plan|apply', () => {
  test('reads files, cluster, output and the AWS request budget', () => {
    const parsed = parseCli(['apply', '-f', 'a.yaml,b.yaml', 'c.yaml', '--cluster-name', 'prod', '-o', 'json', '--aws-rate-limit', 'elbv2=20, ec2=4'], env);
    expect(parsed).toEqual({
      command: 'apply',
      files: ['a.yaml', 'b.yaml', 'c.yaml'],
      clusterName: 'prod',
      region: 'eu-west-1',
      vpcId: undefined,
      endpoint: undefined,
      output: 'json',
      rateLimits: {
        ...defaultRateLimits,
        elbv2: { reads: { perSecond: 20, burst: 40 }, changes: { perSecond: 20, burst: 40 } },
        ec2: { reads: { perSecond: 4, burst: 8 }, changes: { perSecond: 4, burst: 8 } },
      },
      backendSecurityGroup: { kind: 'managed' },
    });
  });

  test.each([
    [[], { kind: 'managed' }],
    [['--enable-backend-security-group', 'true'], { kind: 'managed' }],
    [['--enable-backend-security-group=false'], { kind: 'off' }],
    [['--backend-security-group', 'sg-0123456789abcdef0'], { kind: 'given', groupId: 'sg-0123456789abcdef0' }],
  ])('backend security group flags %p', (flags, setting) => {
    expect(parseCli(['apply', '-f', 'x.yaml', ...flags], env)).toMatchObject({ backendSecurityGroup: setting });
    expect(parseControllerArgs(['--cluster-name', 'prod', ...flags], env)).toMatchObject({ backendSecurityGroup: setting });
  });

  test.each([
    [['--enable-backend-security-group', 'no'], '--enable-backend-security-group: "no" must be true or false'],
    [['--backend-security-group', 'web-sg'], '--backend-security-group: "web-sg" is not a security group id (sg- and 8 or 17 hex digits)'],
    [
      ['--enable-backend-security-group', 'false', '--backend-security-group', 'sg-12345678'],
      '--backend-security-group: "sg-12345678" has no effect with --enable-backend-security-group=false; drop one of them',
    ],
  ])('backend security group flags %p are refused, naming the flag', (flags, message) => {
    expect(() => parseCli(['plan', '-f', 'x.yaml', ...flags], env)).toThrow(message);
  });

  test('without the flag the budget is the default one', () => {
    expect(parseCli(['plan', '-f', 'x.yaml'], env)).toMatchObject({ rateLimits: defaultRateLimits });
  });

  test.each([
    ['elbv2', '--aws-rate-limit: "elbv2" is not SERVICE=N with SERVICE one of elbv2, ec2, acm, tagging and N a number above 0'],
    ['s3=5', '--aws-rate-limit: "s3=5" is not SERVICE=N with SERVICE one of elbv2, ec2, acm, tagging and N a number above 0'],
    ['acm=0', '--aws-rate-limit: "acm=0" is not SERVICE=N with SERVICE one of elbv2, ec2, acm, tagging and N a number above 0'],
  ])('a budget written %p is refused, naming the flag', (value, message) => {
    expect(() => parseCli(['plan', '-f', 'x.yaml', '--aws-rate-limit', value], env)).toThrow(message);
  });
});

describe('albatross controller', () => {
  test('defaults as documented in docs/operations.md', () => {
    expect(parseControllerArgs(['--cluster-name', 'prod'], env)).toEqual({
      clusterName: 'prod',
      kubeconfig: undefined,
      region: 'eu-west-1',
      vpcId: undefined,
      endpoint: undefined,
      watchNamespaces: null,
      syncPeriodMs: 600_000,
      maxConcurrentReconciles: 3,
      metricsBindAddress: ':8080',
      healthProbeBindAddress: ':8081',
      leaderElect: true,
      leaderElectionNamespace: undefined,
      leaderElectionId: 'albatross-leader',
      leaseDurationMs: 30_000,
      renewDeadlineMs: 20_000,
      retryPeriodMs: 10_000,
      rateLimits: defaultRateLimits,
      backendSecurityGroup: { kind: 'managed' },
    });
  });

  test('every flag set', () => {
    const parsed = parseControllerArgs(
      [
        '--cluster-name', 'prod', '--kubeconfig', '/k', '--region', 'us-west-2', '--vpc-id', 'vpc-1', '--endpoint', 'http://127.0.0.1:5000',
        '--watch-namespace', 'a, b', '--sync-period', '1h30m', '--max-concurrent-reconciles', '8', '--metrics-bind-address', '0',
        '--health-probe-bind-address', '127.0.0.1:9000', '--leader-elect', 'false', '--leader-election-namespace', 'ops',
        '--leader-election-id', 'alb', '--leader-election-lease-duration', '60s', '--leader-election-renew-deadline', '40s',
        '--leader-election-retry-period', '5s', '--aws-rate-limit', 'tagging=1', '--backend-security-group', 'sg-0123456789abcdef0',
      ],
      {},
    );
    expect(parsed).toEqual({
      clusterName: 'prod',
      kubeconfig: '/k',
      region: 'us-west-2',
      vpcId: 'vpc-1',
      endpoint: 'http://127.0.0.1:5000',
      watchNamespaces: ['a', 'b'],
      syncPeriodMs: 5_400_000,
      maxConcurrentReconciles: 8,
      metricsBindAddress: null,
      healthProbeBindAddress: '127.0.0.1:9000',
      leaderElect: false,
      leaderElectionNamespace: 'ops',
      leaderElectionId: 'alb',
      leaseDurationMs: 60_000,
      renewDeadlineMs: 40_000,
      retryPeriodMs: 5_000,
      rateLimits: { ...defaultRateLimits, tagging: { reads: { perSecond: 1, burst: 2 }, changes: { perSecond: 1, burst: 2 } } },
      backendSecurityGroup: { kind: 'given', groupId: 'sg-0123456789abcdef0' },
    });
  });

  test.each([
    [['--sync-period', '10 minutes'], '--sync-period: "10 minutes" is not a duration; write it like 30s, 10m or 1h'],
    [['--watch-namespace', 'Shop'], '--watch-namespace: "Shop" is not a namespace name'],
    [['--metrics-bind-address', 'localhost'], '--metrics-bind-address: "localhost" is not HOST:PORT, :PORT or 0'],
    [['--leader-election-renew-deadline', '30s'], '--leader-election-renew-deadline: must be shorter than --leader-election-lease-duration'],
    [['--aws-rate-limit', 'elbv2=fast'], '--aws-rate-limit: "elbv2=fast" is not SERVICE=N'],
  ])('%p is refused, naming the flag', (args, message) => {
    expect(() => parseControllerArgs(['--cluster-name', 'prod', ...args], env)).toThrow(message);
  });
});
