// Records every AWS request an `Aws` makes as the IAM authorizations AWS would evaluate for
// it: the action as IAM names it, the resource ARN, the request's tags and the resource's tags
// at that moment (read from the emulator just before the request goes out), plus the
// authorizations AWS adds on its own, such as AddTags for tags given at creation.
//
// Test-only: it wraps the SDK clients given to `Aws` (the `clients` option), so nothing in
// src/ changes and normal runs pay nothing.
import { ACMClient, AddTagsToCertificateCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { appendFileSync } from 'node:fs';
import type { AwsClients, SdkClient } from '../../../src/aws/clients.js';
import { isChangingOperation, type AwsService } from '../../../src/aws/calls.js';
import { awsClientConfig, region } from '../emulator/emulator.js';

/** One authorization AWS evaluates for a request. */
export interface Authorization {
  /** `service:Action`, e.g. `elasticloadbalancing:CreateRule`. */
  readonly action: string;
  /** The ARN IAM evaluates, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  readonly requestTags: Readonly<Record<string, string>>;
  /** The resource's tags when the request went out (none for a resource the request creates). */
  readonly resourceTags: Readonly<Record<string, string>>;
  /** `aws:TagKeys` when the request names tag keys without values (RemoveTags, DeleteTags). */
  readonly tagKeys?: readonly string[];
  /** `elasticloadbalancing:CreateAction` / `ec2:CreateAction` for tags given at creation. */
  readonly createAction?: string;
  /** Added by AWS to the request's own action (tagging at creation), not called by us. */
  readonly implied: boolean;
  /** The resource no longer existed (a retried delete whose first answer was lost): AWS answers NotFound. */
  readonly resourceGone?: boolean;
}

/** One request on the wire and the authorizations it needs. */
export interface RecordedRequest {
  readonly clusterName: string;
  readonly service: AwsService;
  /** The API operation, e.g. `CreateRule`. */
  readonly operation: string;
  readonly changing: boolean;
  readonly authorizations: readonly Authorization[];
}

/** The account moto answers for (its default). */
export const emulatorAccount = '123456789012';

const iamPrefix: Record<AwsService, string> = { elbv2: 'elasticloadbalancing', ec2: 'ec2', acm: 'acm', tagging: 'tag' };

type Input = Record<string, unknown>;
type Tags = Record<string, string>;

export interface RecorderOptions {
  readonly clusterName: string;
  readonly record: (request: RecordedRequest) => void;
  /**
   * Emulates AWS where moto differs in a way that changes the requests Albatross makes: AWS keeps
   * a certificate's tags on re-import, moto drops them (see certificates/acm.ts).
   */
  readonly keepTagsOnReimport?: boolean;
}

/** SDK clients for `new Aws({ clients })` that record every request (each attempt) they send. */
export function recordingClients(options: RecorderOptions): AwsClients & { destroy(): void } {
  const config = { ...awsClientConfig(), maxAttempts: 1 };
  const inner = {
    elbv2: new ElasticLoadBalancingV2Client(config),
    ec2: new EC2Client(config),
    acm: new ACMClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
  // Tags are read with clients of their own, so these reads are not recorded.
  const readers = { elbv2: new ElasticLoadBalancingV2Client(config), ec2: new EC2Client(config), acm: new ACMClient(config) };
  const tags = new TagReader(readers);
  const wrap = (service: AwsService, client: SdkClient): SdkClient => ({
    async send(command: unknown, sendOptions?: { abortSignal?: AbortSignal }): Promise<unknown> {
      const operation = (command as object).constructor.name.replace(/Command$/, '');
      const input = (command as { input: Input }).input;
      const before = await tags.before(service, operation, input);
      let output: unknown;
      try {
        output = await client.send(command, sendOptions);
        if (options.keepTagsOnReimport === true && service === 'acm' && operation === 'ImportCertificate' && typeof input['CertificateArn'] === 'string') {
          await tags.restoreCertificateTags(input['CertificateArn'], before.get(input['CertificateArn']) ?? {});
        }
        return output;
      } finally {
        options.record({
          clusterName: options.clusterName,
          service,
          operation,
          changing: isChangingOperation(operation),
          authorizations: authorizationsOf(service, operation, input, output, before),
        });
      }
    },
    destroy: () => client.destroy?.(),
    // Tests that add their own middleware (lost answers, throttling) keep working.
    middlewareStack: client.middlewareStack,
  });
  return {
    elbv2: wrap('elbv2', inner.elbv2),
    ec2: wrap('ec2', inner.ec2),
    acm: wrap('acm', inner.acm),
    tagging: wrap('tagging', inner.tagging),
    destroy() {
      for (const c of [...Object.values(inner), ...Object.values(readers)]) c.destroy();
    },
  };
}

/**
 * The recorder for a whole test run: when `ALBATROSS_RECORD_AWS` names a file, clients that
 * append every request to it (JSON lines); otherwise `undefined` and nothing changes.
 */
export function recordingFromEnv(clusterName: string): (AwsClients & { destroy(): void }) | undefined {
  const file = process.env['ALBATROSS_RECORD_AWS'];
  if (file === undefined || file === '') return undefined;
  return recordingClients({ clusterName, record: (r) => appendFileSync(file, `${JSON.stringify(r)}\n`) });
}

/** Reads the tags of the resources a request names, before it goes out. */
class TagReader {
  constructor(private readonly clients: { elbv2: ElasticLoadBalancingV2Client; ec2: EC2Client; acm: ACMClient }) {}

  async before(service: AwsService, operation: string, input: Input): Promise<Map<string, Tags>> {
    const out = new Map<string, Tags>();
    if (!isChangingOperation(operation)) return out;
    for (const resource of namedResources(service, input)) out.set(resource, await this.read(service, resource));
    return out;
  }

  async restoreCertificateTags(arn: string, kept: Tags): Promise<void> {
    const entries = Object.entries(kept);
    if (entries.length > 0) await this.clients.acm.send(new AddTagsToCertificateCommand({ CertificateArn: arn, Tags: entries.map(([Key, Value]) => ({ Key, Value })) }));
  }

  private async read(service: AwsService, resource: string): Promise<Tags> {
    const gone: Tags = { [goneMarker]: '' };
    try {
      if (service === 'elbv2') {
        const res = await this.clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [resource] }));
        return fromSdk(res.TagDescriptions?.[0]?.Tags);
      }
      if (service === 'ec2') {
        const res = await this.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [resource] }));
        return fromSdk(res.SecurityGroups?.[0]?.Tags);
      }
      if (service === 'acm') {
        const res = await this.clients.acm.send(new ListTagsForCertificateCommand({ CertificateArn: resource }));
        return fromSdk(res.Tags);
      }
    } catch {
      // Gone already (a repeated delete).
    }
    return gone;
  }
}

/** Stands in the tags of a resource that could not be read because it no longer exists. */
const goneMarker = ' gone';

function fromSdk(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Tags {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** The existing resources a changing request names (ARNs; security group ids for EC2). */
function namedResources(service: AwsService, input: Input): string[] {
  if (service === 'elbv2') {
    const top = str(input['RuleArn']) ?? str(input['ListenerArn']) ?? str(input['TargetGroupArn']) ?? str(input['LoadBalancerArn']);
    const many = [...list(input['ResourceArns']), ...list(input['RulePriorities']).map((p) => (p as Input)['RuleArn'])];
    return [...(top === undefined ? [] : [top]), ...many.filter((a): a is string => typeof a === 'string')];
  }
  if (service === 'ec2') {
    const group = str(input['GroupId']);
    return [...(group === undefined ? [] : [group]), ...list(input['Resources']).filter((r): r is string => typeof r === 'string')];
  }
  if (service === 'acm') {
    const arn = str(input['CertificateArn']);
    return arn === undefined ? [] : [arn];
  }
  return [];
}

function securityGroupArn(id: string): string {
  return `arn:aws:ec2:${region()}:${emulatorAccount}:security-group/${id}`;
}

function sdkTags(value: unknown): Tags {
  return fromSdk(list(value) as { Key?: string; Value?: string }[]);
}

/** The ARN of what a create made, from its answer. */
function createdArn(operation: string, output: unknown): string | undefined {
  const o = (output ?? {}) as Input;
  const first = (key: string, field: string) => str(((list(o[key])[0] ?? {}) as Input)[field]);
  switch (operation) {
    case 'CreateLoadBalancer':
      return first('LoadBalancers', 'LoadBalancerArn');
    case 'CreateTargetGroup':
      return first('TargetGroups', 'TargetGroupArn');
    case 'CreateListener':
      return first('Listeners', 'ListenerArn');
    case 'CreateRule':
      return first('Rules', 'RuleArn');
    case 'CreateSecurityGroup': {
      const id = str(o['GroupId']);
      return id === undefined ? undefined : securityGroupArn(id);
    }
    case 'ImportCertificate':
      return str(o['CertificateArn']);
    default:
      return undefined;
  }
}

/** The authorizations AWS evaluates for one request (empty for a create whose answer never came). */
export function authorizationsOf(service: AwsService, operation: string, input: Input, output: unknown, before: ReadonlyMap<string, Tags>): Authorization[] {
  const action = `${iamPrefix[service]}:${operation}`;
  const auth = (resource: string, extra: Partial<Authorization> = {}): Authorization => {
    const made: Authorization = { action, resource, requestTags: {}, resourceTags: before.get(resource) ?? {}, implied: false, ...extra };
    if (!(goneMarker in made.resourceTags)) return made;
    const { [goneMarker]: _gone, ...resourceTags } = made.resourceTags;
    return { ...made, resourceTags, resourceGone: true };
  };
  if (!isChangingOperation(operation)) return [auth('*')];

  if (service === 'elbv2') {
    const requestTags = sdkTags(input['Tags']);
    const tagOnCreate = (arn: string | undefined): Authorization[] =>
      arn === undefined || Object.keys(requestTags).length === 0
        ? []
        : [{ action: 'elasticloadbalancing:AddTags', resource: arn, requestTags, resourceTags: {}, createAction: operation, implied: true }];
    const created = createdArn(operation, output);
    switch (operation) {
      case 'CreateLoadBalancer':
      case 'CreateTargetGroup':
        return created === undefined ? [] : [auth(created, { requestTags, resourceTags: {} }), ...tagOnCreate(created)];
      case 'CreateListener':
        // Authorized against the load balancer it goes on (and AddTags on the new listener).
        return [auth(str(input['LoadBalancerArn']) ?? '*', { requestTags }), ...tagOnCreate(created)];
      case 'CreateRule':
        // Authorized against the listener it goes on (and AddTags on the new rule).
        return [auth(str(input['ListenerArn']) ?? '*', { requestTags }), ...tagOnCreate(created)];
      case 'AddTags':
        return namedResources(service, input).map((arn) => auth(arn, { requestTags }));
      case 'RemoveTags':
        return namedResources(service, input).map((arn) => auth(arn, { tagKeys: list(input['TagKeys']).filter((k): k is string => typeof k === 'string') }));
      default:
        // Changes, deletes, listener certificates (authorized against the listener) and
        // SetRulePriorities (against each rule).
        return namedResources(service, input).map((arn) => auth(arn));
    }
  }

  if (service === 'ec2') {
    const withArns = (ids: string[], extra: Partial<Authorization> = {}) =>
      ids.map((id) => auth(securityGroupArn(id), { ...extra, resourceTags: before.get(id) ?? {} }));
    switch (operation) {
      case 'CreateSecurityGroup': {
        const requestTags = Object.assign({}, ...list(input['TagSpecifications']).map((s) => sdkTags((s as Input)['Tags']))) as Tags;
        const created = createdArn(operation, output);
        if (created === undefined) return [];
        return [
          auth(created, { requestTags }),
          auth(`arn:aws:ec2:${region()}:${emulatorAccount}:vpc/${str(input['VpcId']) ?? ''}`, { requestTags }),
          ...(Object.keys(requestTags).length === 0
            ? []
            : [{ action: 'ec2:CreateTags', resource: created, requestTags, resourceTags: {}, createAction: operation, implied: true }]),
        ];
      }
      case 'AuthorizeSecurityGroupIngress': {
        // Tags given for the new rules are authorized on each rule too, and as CreateTags.
        const requestTags = Object.assign({}, ...list(input['TagSpecifications']).map((s) => sdkTags((s as Input)['Tags']))) as Tags;
        const rules = list(((output ?? {}) as Input)['SecurityGroupRules']).flatMap((r) => str((r as Input)['SecurityGroupRuleId']) ?? []);
        const tagged = Object.keys(requestTags).length > 0;
        return [
          ...withArns(namedResources(service, input)),
          ...(tagged
            ? rules.flatMap((id) => {
                const arn = `arn:aws:ec2:${region()}:${emulatorAccount}:security-group-rule/${id}`;
                return [auth(arn, { requestTags, resourceTags: {} }), { action: 'ec2:CreateTags', resource: arn, requestTags, resourceTags: {}, createAction: operation, implied: true }];
              })
            : []),
        ];
      }
      case 'CreateTags':
        return withArns(namedResources(service, input), { requestTags: sdkTags(input['Tags']) });
      case 'DeleteTags':
        return withArns(namedResources(service, input), { tagKeys: list(input['Tags']).map((t) => str((t as Input)['Key']) ?? '') });
      default:
        return withArns(namedResources(service, input));
    }
  }

  if (service === 'acm') {
    const requestTags = sdkTags(input['Tags']);
    const arn = str(input['CertificateArn']);
    if (operation === 'ImportCertificate' && arn === undefined) {
      const created = createdArn(operation, output);
      if (created === undefined) return [];
      // ImportCertificate with tags is also authorized as AddTagsToCertificate (AWS's
      // service authorization reference, ACM's operations table).
      return [
        auth(created, { requestTags, resourceTags: {} }),
        ...(Object.keys(requestTags).length === 0
          ? []
          : [{ action: 'acm:AddTagsToCertificate', resource: created, requestTags, resourceTags: {}, implied: true }]),
      ];
    }
    return [auth(arn ?? '*', { requestTags })];
  }
  return [auth('*')];
}
