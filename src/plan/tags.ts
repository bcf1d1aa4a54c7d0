// Tag drift on any resource: one `updateTags` operation when tags differ.
import { tagChanges } from './equality.js';
import type { Operation } from './operations.js';

/** Adds an `updateTags` operation to `ops` when `actual` tags differ from `desired` ones. */
export function pushTagOps(
  ops: Operation[],
  id: string,
  service: 'elbv2' | 'ec2',
  arn: string,
  desired: Readonly<Record<string, string>>,
  actual: Readonly<Record<string, string>>,
): void {
  const { add, remove } = tagChanges(desired, actual);
  if (Object.keys(add).length > 0 || remove.length > 0) ops.push({ op: 'updateTags', id, service, arn, add, remove });
}
