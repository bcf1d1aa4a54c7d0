// The one way every AWS request goes out: counted by outcome, retried where retrying helps,
// classified for good when it fails, paced by one budget per service, and abandoned at once
// when its signal aborts.
import { DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCallError } from '../../../src/aws/clients.js';
import { failureOf } from '../../../src/pipeline/failure.js';
import { AlbatrossError } from '../../../src/model/errors.js';
import { awsError, connectionReset, fakeAws } from '../fake-aws.js';

describe('failures for good', () => {
  test('throttling that outlasts the retries is aws-unavailable, though ELBv2 answers it with HTTP 400', async () => {
    const fake = fakeAws(() => {
      throw awsError('Throttling', 400);
    });
    const sent = fake.aws.send(fake.aws.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:l' }));
    await expect(sent).rejects.toMatchObject({ code: 'aws-unavailable', operation: 'DescribeRules', awsCode: 'Throttling' });
    // the first attempt and 3 retries
    expect(fake.operations()).toEqual(['DescribeRules', 'DescribeRules', 'DescribeRules', 'DescribeRules']);
    const failure = failureOf(await sent.catch((e: unknown) => e), 'read rules');
    expect(failure).toEqual({
      code: 'aws-unavailable',
      message: 'read rules: DescribeRules failed: Throttling: Throttling from the fake',
      retryable: true,
      retryAfterMs: 30_000,
    });
  });

  test('a request AWS refuses is aws-validation, tried once', async () => {
    const fake = fakeAws(() => {
      throw awsError('ValidationError', 400);
    });
    await expect(fake.aws.send(fake.aws.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:l' }))).rejects.toMatchObject({
      code: 'aws-validation',
      awsCode: 'ValidationError',
    });
    expect(fake.operations()).toEqual(['DescribeRules']);
    expect(failureOf(new AwsCallError('aws-validation', 'DescribeRules', 'ValidationError', 'bad', undefined))).toEqual({
      code: 'aws-validation',
      message: 'DescribeRules failed: ValidationError: bad',
      retryable: false,
    });
  });

  test('anything else thrown is an internal failure that names itself', () => {
    const failure = failureOf(new TypeError('x is undefined'));
    expect(failure.code).toBe('internal');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^unexpected failure: TypeError: x is undefined/);
  });
});

describe('retries', () => {
  test('a dropped connection is retried and the answer after it returned', async () => {
    let n = 0;
    const fake = fakeAws(() => {
      if (++n === 1) throw connectionReset();
      return { LoadBalancers: [] };
    });
    await expect(fake.aws.send(fake.aws.elbv2, new DescribeLoadBalancersCommand({}))).resolves.toEqual({ LoadBalancers: [] });
    expect(fake.operations()).toEqual(['DescribeLoadBalancers', 'DescribeLoadBalancers']);
  });

  test('codes retryable for one call only, such as DependencyViolation, are retried with that call’s policy', async () => {
    let n = 0;
    const fake = fakeAws(() => {
      if (++n <= 4) throw awsError('DependencyViolation');
      return {};
    });
    const policy = { retries: 5, minDelayMs: 1, maxDelayMs: 1 };
    await fake.aws.send(fake.aws.ec2, new DeleteSecurityGroupCommand({ GroupId: 'sg-1' }), { retryAlso: { codes: ['DependencyViolation'], policy } });
    expect(fake.operations()).toEqual(Array.from({ length: 5 }, () => 'DeleteSecurityGroup'));
    // without the option it is AWS refusing the request
    const plain = fakeAws(() => {
      throw awsError('DependencyViolation');
    });
    await expect(plain.aws.send(plain.aws.ec2, new DeleteSecurityGroupCommand({ GroupId: 'sg-1' }))).rejects.toMatchObject({ code: 'aws-validation' });
    expect(plain.operations()).toEqual(['DeleteSecurityGroup']);
  });
});

describe('call counting', () => {
  test('counts every request by service, operation and outcome, and measures a piece of work on its own', async () => {
    let n = 0;
    const fake = fakeAws(() => {
      n++;
      if (n === 1) throw awsError('Throttling');
      if (n === 2) throw awsError('InternalFailure', 500);
      return {};
    });
    await fake.aws.send(fake.aws.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:l' }));
    const { calls } = await fake.aws.calls.measure(() => fake.aws.send(fake.aws.ec2, new DeleteSecurityGroupCommand({ GroupId: 'sg-1' })));

    expect(fake.aws.calls.entries()).toEqual([
      { service: 'ec2', operation: 'DeleteSecurityGroup', changing: true, outcome: 'success', count: 1 },
      { service: 'elbv2', operation: 'DescribeRules', changing: false, outcome: 'error', count: 1 },
      { service: 'elbv2', operation: 'DescribeRules', changing: false, outcome: 'success', count: 1 },
      { service: 'elbv2', operation: 'DescribeRules', changing: false, outcome: 'throttled', count: 1 },
    ]);
    expect(calls.entries()).toEqual([{ service: 'ec2', operation: 'DeleteSecurityGroup', changing: true, outcome: 'success', count: 1 }]);
    expect([fake.aws.calls.total, fake.aws.calls.reads, fake.aws.calls.changing]).toEqual([4, 3, 1]);
  });

  test('listeners hear of every request, as a metrics counter would', async () => {
    const fake = fakeAws(() => ({}));
    const heard: string[] = [];
    fake.aws.calls.onCall((r) => heard.push(`${r.service} ${r.operation} ${r.outcome}`));
    await fake.aws.send(fake.aws.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:l' }));
    expect(heard).toEqual(['elbv2 DescribeRules success']);
  });
});

describe('abandoning work', () => {
  test('a guard that says no stops changing requests before they are sent; reads still go, and a scope of the scope keeps the guard', async () => {
    const fake = fakeAws(() => ({}));
    let allowed = true;
    const session = fake.aws.withSignal(new AbortController().signal, () => allowed);
    const run = session.withSignal(new AbortController().signal);
    const change = async (): Promise<unknown> => await run.send(run.ec2, new DeleteSecurityGroupCommand({ GroupId: 'sg-1' }));
    await change();
    allowed = false;
    await expect(change()).rejects.toMatchObject({ code: 'aborted', message: expect.stringMatching(/^DeleteSecurityGroup not sent: /) as unknown });
    await run.send(run.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:l' }));
    expect(fake.operations()).toEqual(['DeleteSecurityGroup', 'DescribeRules']);
  });


  test('an abort during the wait between retries ends the call at once, with no further request', async () => {
    const controller = new AbortController();
    const fake = fakeAws(
      () => {
        controller.abort(new Error('lost leadership'));
        throw connectionReset();
      },
      { retries: 6 },
    );
    const scoped = fake.aws.withSignal(controller.signal);
    await expect(scoped.send(scoped.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:l' }))).rejects.toMatchObject({
      code: 'aborted',
      message: 'abandoned: lost leadership',
    });
    expect(fake.operations()).toEqual(['DescribeRules']);
  });

  test('requests past the budget wait their turn, and an abort frees them without sending', async () => {
    // A budget of 3 at once that refills about once a day: the 4th request must wait.
    const slow = { reads: { perSecond: 0.00001, burst: 3 }, changes: { perSecond: 0.00001, burst: 3 } };
    const fake = fakeAws(() => ({}), { rateLimits: { elbv2: slow, ec2: slow, acm: slow, tagging: slow } });
    const controller = new AbortController();
    const scoped = fake.aws.withSignal(controller.signal);
    // Two concurrent reconciles share the one budget.
    const first = [1, 2].map(() => scoped.send(scoped.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:a' })));
    const second = [3, 4].map(() => scoped.send(scoped.elbv2, new DescribeRulesCommand({ ListenerArn: 'arn:b' })));
    await Promise.all([first[0], first[1], second[0]]);
    expect(fake.operations()).toHaveLength(3);
    controller.abort(new Error('shutting down'));
    await expect(second[1]).rejects.toBeInstanceOf(AlbatrossError);
    await expect(second[1]).rejects.toMatchObject({ code: 'aborted' });
    expect(fake.operations()).toHaveLength(3);
  });
});
