// Reads ELBv2 tags for many resources, 20 ARNs a call as AWS allows, a few calls at a time.
import { DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import pLimit from 'p-limit';
import type { Aws } from '../aws/clients.js';
import { chunks } from '../aws/pagination.js';
import { tagsFromSdk } from '../aws/elbv2-shapes.js';

/** DescribeTags takes at most 20 resource ARNs per call. */
const describeTagsBatch = 20;

export async function describeElbv2Tags(aws: Aws, arns: readonly string[], concurrency = 4): Promise<Map<string, Record<string, string>>> {
  const limit = pLimit(concurrency);
  const out = new Map<string, Record<string, string>>();
  await Promise.all(
    chunks(arns, describeTagsBatch).map((batch) =>
      limit(async () => {
        const res = await aws.send(aws.elbv2, new DescribeTagsCommand({ ResourceArns: batch }));
        for (const d of res.TagDescriptions ?? []) if (d.ResourceArn !== undefined) out.set(d.ResourceArn, tagsFromSdk(d.Tags));
      }),
    ),
  );
  return out;
}
