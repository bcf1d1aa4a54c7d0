import { AlbatrossError } from '../../../src/model/errors.js';
import { isRetryable, withRetry } from '../../../src/aws/retry.js';

const awsError = (name: string, status: number): Error => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('isRetryable', () => {
  it.each([
    ['Throttling', 400, true],
    ['ThrottlingException', 400, true],
    ['RequestLimitExceeded', 503, true],
    ['InternalFailure', 500, true],
    ['ServiceUnavailable', 503, true],
    ['ValidationError', 400, false],
    ['PriorityInUse', 400, false],
    ['AccessDenied', 403, false],
  ])('%s (HTTP %i) -> %s', (name, status, expected) => {
    expect(isRetryable(awsError(name, status))).toBe(expected);
  });

  it('retries network failures', () => {
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('retries our own unavailable errors but not validation ones', () => {
    expect(isRetryable(new AlbatrossError('aws-unavailable', 'x'))).toBe(true);
    expect(isRetryable(new AlbatrossError('aws-validation', 'x'))).toBe(false);
  });
});

describe('withRetry', () => {
  const fast = { retries: 3, minDelayMs: 1, maxDelayMs: 2 };

  it('tries again after throttling and returns the answer', async () => {
    let calls = 0;
    const result = await withRetry(() => {
      calls++;
      return calls < 3 ? Promise.reject(awsError('Throttling', 400)) : Promise.resolve('ok');
    }, fast);
    expect([result, calls]).toEqual(['ok', 3]);
  });

  it('gives up at once on a validation error', async () => {
    let calls = 0;
    await expect(
      withRetry(() => {
        calls++;
        return Promise.reject(awsError('ValidationError', 400));
      }, fast),
    ).rejects.toThrow('ValidationError');
    expect(calls).toBe(1);
  });

  it('stops after the policy allows', async () => {
    let calls = 0;
    await expect(
      withRetry(() => {
        calls++;
        return Promise.reject(awsError('Throttling', 400));
      }, fast),
    ).rejects.toThrow('Throttling');
    expect(calls).toBe(4);
  });
});
