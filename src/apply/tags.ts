// Puts tags back where they drifted, on ELBv2 resources and EC2 security groups.
import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { AddTagsCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { tagsToSdk } from '../aws/elbv2-shapes.js';
import type { OperationOf } from '../plan/operations.js';

/**
 * Adding a tag that is there overwrites it with the same value and removing one that is gone
 * is no error (ELBv2 AddTags/RemoveTags, EC2 CreateTags/DeleteTags), so retries are harmless.
 */
export async function updateTags(aws: Aws, op: OperationOf<'updateTags'>): Promise<void> {
  const add = tagsToSdk(op.add);
  if (op.service === 'ec2') {
    if (add.length > 0) await aws.send(aws.ec2, new CreateTagsCommand({ Resources: [op.arn], Tags: add }));
    if (op.remove.length > 0) await aws.send(aws.ec2, new DeleteTagsCommand({ Resources: [op.arn], Tags: op.remove.map((Key) => ({ Key })) }));
    return;
  }
  if (add.length > 0) await aws.send(aws.elbv2, new AddTagsCommand({ ResourceArns: [op.arn], Tags: add }));
  if (op.remove.length > 0) await aws.send(aws.elbv2, new RemoveTagsCommand({ ResourceArns: [op.arn], TagKeys: [...op.remove] }));
}
