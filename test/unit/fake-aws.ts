// A recording stand-in for the SDK clients behind an `Aws`: every command goes to a handler
// that answers or throws as AWS would, and the calls are kept in order for assertions.
import { Aws } from '../../src/aws/clients.js';

export interface RecordedCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export type Handler = (operation: string, input: Record<string, unknown>) => unknown;

export interface FakeAws {
  readonly aws: Aws;
  readonly calls: RecordedCall[];
  /** Operation names in call order. */
  operations(): string[];
}

/** An `Aws` whose ELBv2 and EC2 clients answer through `handler`; retries wait 1 ms. */
export function fakeAws(handler: Handler): FakeAws {
  const aws = new Aws({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', retryPolicy: { retries: 3, minDelayMs: 1, maxDelayMs: 1 } });
  const calls: RecordedCall[] = [];
  for (const client of [aws.elbv2, aws.ec2]) {
    (client as unknown as { send: (command: { input: Record<string, unknown> }) => Promise<unknown> }).send = async (command) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      calls.push({ operation, input: command.input });
      return await Promise.resolve(handler(operation, command.input));
    };
  }
  return { aws, calls, operations: () => calls.map((c) => c.operation) };
}

/** An error shaped like the SDK's for an AWS error answer (HTTP 400 by default). */
export function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } });
}

/** The error Node gives when the connection drops before the answer arrives. */
export function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
}
