// One group, end to end: translate it from the ClusterView (an Ingress group, or a Gateway and its
// HTTPRoutes), observe only what it owns in AWS, import its certificates, diff, and (for apply)
// execute. The CLI loops over every group with it (cluster.ts); the controller calls it from its
// work queue.
import type { Logger } from 'pino';
import { applyOperations } from '../apply/execute.js';
import { ApplyState } from '../apply/state.js';
import { loadBalancerNameProblem } from '../apply/load-balancers.js';
import type { Aws } from '../aws/clients.js';
import { failureOf } from './failure.js';
import { listIssuedCertificates, parseTlsSecret, type DiscoveryCandidate } from '../certificates/index.js';
import type { ClusterView } from '../cluster/view.js';
import type { ActualStack } from '../model/actual.js';
import type { Failure } from '../model/errors.js';
import type { DesiredStack, IngressError, IngressWarning, ObjectKey } from '../model/resources.js';
import { ok, type Result } from '../model/result.js';
import { observeGroup, type AttributeInterest } from '../observe/group.js';
import { discoverNetwork, resolveSecurityGroups, selectSubnets, type Network } from '../observe/network.js';
import { describeOperation, type Change } from '../plan/describe.js';
import { diffStack, type DiffContext } from '../plan/diff.js';
import { releaseDeparted } from '../plan/release.js';
import { holdsLegacy, legacyAdopter } from './adoption.js';
import { ruleIngress } from '../plan/rules.js';
import { compareStrings } from '../model/compare.js';
import { GroupKey } from '../model/ids.js';
import { GatewayKey } from '../gateway/keys.js';
import { memberName } from '../gateway/names.js';
import type { GatewayStatusDraft } from '../gateway/status.js';
import { membersInView, secretsOfGroup, translateGroupKey } from './translate.js';
import { CertificateRegistry, discoverCertificates, TlsSecrets } from './certificates.js';
import { admitTargets } from './target-addresses.js';
import { BackendSecurityGroup, backendTargetsOf, usesBackendSecurityGroup, type BackendTarget } from './backend-security-group.js';
import { maxSecurityGroupsPerLoadBalancer } from '../model/aws-limits.js';

/** What a group reconcile needs besides the view; build it with `reconcileDeps`. */
export interface ReconcileDeps {
  readonly aws: Aws;
  readonly clusterName: string;
  /** `plan` reads only; `apply` makes AWS match. */
  readonly mode: 'plan' | 'apply';
  readonly logger: Logger;
  /** The VPC and its subnets, looked up once and shared by the groups. */
  readonly network: () => Promise<Network>;
  /** Our imported certificates, shared by the groups of one run. */
  readonly certificates: CertificateRegistry;
  /** ISSUED ACM certificates for discovery by host, listed once on first use. */
  readonly issuedCertificates: () => Promise<readonly DiscoveryCandidate[]>;
  /** The cluster's backend security group (and whether there is one). */
  readonly backendSecurityGroup: BackendSecurityGroup;
  /** The clock certificates are checked against. @default now */
  readonly now?: Date;
  /** Abandons the reconcile's AWS calls and waits at once (lost leadership, shutdown). */
  readonly signal?: AbortSignal;
  /**
   * Called in `apply` mode with the members about to be applied, before the group's first
   * change in AWS: the controller puts its finalizer on them there. A throw stops the group
   * before anything changed.
   */
  readonly beforeChanges?: (ingresses: readonly ObjectKey[]) => Promise<void>;
}

export interface ReconcileDepsOptions {
  readonly clusterName: string;
  /** @default the VPC whose subnets are tagged for load balancers */
  readonly vpcId?: string | undefined;
  readonly mode: 'plan' | 'apply';
  readonly logger: Logger;
  readonly now?: Date;
  readonly signal?: AbortSignal;
  readonly beforeChanges?: (ingresses: readonly ObjectKey[]) => Promise<void>;
  /**
   * The backend security group to share, when the caller keeps one across runs.
   * @default a managed one (`--enable-backend-security-group`), looked up once for this run
   */
  readonly backendSecurityGroup?: BackendSecurityGroup;
  /**
   * The network lookup to share, when the caller keeps one across runs (the controller reads
   * subnets once per sync period, not once per group).
   * @default one lookup for this run
   */
  readonly network?: () => Promise<Network>;
}

/**
 * Dependencies for one run: network and certificate lookups are made at most once. With a
 * `signal`, every AWS call made through them (certificate imports, re-imports and tag edits,
 * the ISSUED certificate list, the network lookup) goes through `aws.withSignal(signal)`, so
 * nothing of the run reaches AWS after the signal aborted; a scoped `aws` keeps its guard.
 */
export function reconcileDeps(root: Aws, options: ReconcileDepsOptions): ReconcileDeps {
  const aws = options.signal === undefined ? root : root.withSignal(options.signal);
  let network: Promise<Network> | null = null;
  let issued: Promise<DiscoveryCandidate[]> | null = null;
  return {
    aws,
    clusterName: options.clusterName,
    mode: options.mode,
    logger: options.logger,
    network: options.network ?? (async () => await (network ??= discoverNetwork(aws, { vpcId: options.vpcId, clusterName: options.clusterName }))),
    certificates: new CertificateRegistry(aws, options.clusterName, options.logger),
    issuedCertificates: async () => await (issued ??= listIssuedCertificates(aws)),
    backendSecurityGroup: options.backendSecurityGroup ?? new BackendSecurityGroup({ kind: 'managed' }, options.clusterName),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.beforeChanges === undefined ? {} : { beforeChanges: options.beforeChanges }),
  };
}

export interface ReconcileGroupOptions {
  /**
   * The caller's word that a group with no member in the view is gone for good, so that its
   * resources are deleted. Give it only with a complete view (all files read; caches synced).
   * Without it, a group with no member is left as it is.
   */
  readonly deleteIfEmpty: boolean;
}

/** A group's use of the backend security group, as its reconcile found it. */
export interface BackendUse {
  readonly uses: boolean;
  /** The VPC the load balancer is in; `null` for a group being deleted. */
  readonly vpcId: string | null;
  readonly targets: readonly BackendTarget[];
  readonly complete: boolean;
}

/** What one group reconcile did or would do. */
export interface GroupResult {
  readonly name: string;
  /** Members applied (or, for a group left as it is, every member), in group order. */
  readonly ingresses: readonly ObjectKey[];
  readonly loadBalancer: { readonly arn: string; readonly dnsName: string } | null;
  /** Planned changes (plan) or changes made (apply), certificates first. */
  readonly changes: readonly Change[];
  /** Why the group stopped; `null` when it converged (apply) or could be planned (plan). */
  readonly failure: Failure | null;
  /** Why the group is left as it is in AWS, when it is; `null` otherwise. */
  readonly leftAsIs: string | null;
  /**
   * Whether AWS holds nothing more for Ingresses outside the group (deleted, moved, no longer
   * ours): the reconcile ran in `apply` mode, converged, and removed their rules (or there were
   * none). Only then may their finalizers for this group go.
   */
  readonly released: boolean;
  /** The load balancer's DNS name before this reconcile; `null` when there was none. */
  readonly previousDnsName: string | null;
  /** Problems with the group's Ingresses. They never stop the rest of the group. */
  readonly errors: readonly IngressError[];
  /** What translate left out or changed and said so (a redirect loop, a shadowed path). */
  readonly warnings: readonly IngressWarning[];
  /**
   * Certificate ARNs the group's listeners use after this reconcile (what it has in AWS
   * too, when it did not converge), and those it had before: for the certificate cleanup.
   */
  readonly certificates: { readonly inUse: readonly string[]; readonly before: readonly string[] };
  /**
   * Whether the group's load balancer uses the backend security group, and the targets of its
   * applied members, which the rules on their security groups must admit. `complete` is false
   * when a frozen member may still have targets in AWS that these leave out, so that no rule is
   * narrowed for the group. `null` when this reconcile cannot say (it failed, or left the group
   * as it is).
   */
  readonly backend: BackendUse | null;
  /**
   * For a Gateway's group, the status translate decided (the Gateway's and each listener's
   * conditions, each HTTPRoute's per parent), for the controller to write with `Programmed`
   * from this result. `null` for an Ingress group, for a Gateway that is not served (gone, being
   * deleted, not ours), and when the reconcile stopped before translating.
   */
  readonly gatewayStatus: GatewayStatusDraft | null;
}

/**
 * Reconciles one group: translate, observe (by its ownership tags only), import the
 * certificates its listeners use, diff, and apply. Never throws: anything that goes wrong is
 * the result's `failure`, whose `retryable` and `retryAfterMs` say when to try again.
 */
export async function reconcileGroup(view: ClusterView, name: string, deps: ReconcileDeps, options: ReconcileGroupOptions): Promise<GroupResult> {
  const log = deps.logger.child({ group: name });
  const memberKeys = membersInView(view, name);
  try {
    return await reconcile(view, name, deps, options, log);
  } catch (err) {
    const failure = failureOf(err);
    // The message becomes an Event; the stack of an unexpected error goes to the log only.
    if (failure.code !== 'aborted') log.error({ code: failure.code, retryable: failure.retryable, ...(failure.code === 'internal' ? { err } : {}) }, failure.message);
    return { ...empty(name, memberKeys), failure };
  }
}

function empty(name: string, ingresses: readonly ObjectKey[]): GroupResult {
  return {
    name,
    ingresses,
    loadBalancer: null,
    changes: [],
    failure: null,
    leftAsIs: null,
    released: false,
    previousDnsName: null,
    errors: [],
    warnings: [],
    certificates: { inUse: [], before: [] },
    backend: null,
    gatewayStatus: null,
  };
}

async function reconcile(view: ClusterView, name: string, deps: ReconcileDeps, options: ReconcileGroupOptions, log: Logger): Promise<GroupResult> {
  const aws = deps.signal === undefined ? deps.aws : deps.aws.withSignal(deps.signal);
  const { clusterName } = deps;
  const gateway = GatewayKey.parse(name);
  // A Gateway's members are known once it is translated (below); an Ingress group's now.
  const group = gateway === undefined ? view.group(name) : undefined;
  let memberKeys = membersInView(view, name);
  if (gateway === undefined && group === undefined && !options.deleteIfEmpty) {
    return { ...empty(name, []), leftAsIs: 'no member Ingress in view; kept until its absence is confirmed' };
  }
  // A group made before groups were keyed by class is taken over by the class group of its
  // name (which adds the class tag to its resources), never deleted for want of members.
  const { group: groupName, ingressClass } = GroupKey.tags(name);
  // An Ingress's own group (`namespace/name`) is never adopted nor adopts: no scan of the groups.
  const adopter = name.includes('/') ? undefined : view.adopterOf(groupName);
  if (GroupKey.isLegacy(name) && adopter !== undefined) {
    return { ...empty(name, memberKeys), leftAsIs: `taken over by group ${adopter}` };
  }
  // Some class group of this name may adopt it; which one is decided from what AWS holds.
  const mayAdopt = ingressClass !== undefined && adopter !== undefined;

  // Certificates first: a Secret that fails validation must keep what it served before.
  const usesSecrets = secretsOfGroup(view, name).size > 0;
  const observedCertificates = usesSecrets ? await deps.certificates.observed() : [];
  const secrets = new TlsSecrets(view, observedCertificates, deps.now ?? new Date());
  const translation = translateGroupKey(view, name, { clusterName, tls: secrets.resolve });
  const gatewayStatus = translation.status;
  memberKeys = translation.members;
  if (gateway !== undefined && memberKeys.length === 0 && !options.deleteIfEmpty) {
    return { ...empty(name, []), leftAsIs: 'no Gateway of ours in view; kept until its absence is confirmed' };
  }
  for (const broken of secrets.broken) deps.certificates.brokenSecrets.add(broken);
  const errors: IngressError[] = [...translation.errors];
  const warnings: IngressWarning[] = [...translation.warnings];

  let stack: DesiredStack | null = translation.stack;
  if (stack !== null) {
    const discovered = await discoverCertificates(stack, deps.issuedCertificates);
    stack = discovered.stack;
    errors.push(...discovered.errors);
  }
  let actual = await observeGroup(aws, clusterName, name, interestOf(stack), { adoptLegacy: mayAdopt });
  if (mayAdopt && actual !== null && holdsLegacy(actual)) {
    const adoptedBy = legacyAdopter(view, groupName, actual);
    if (adoptedBy === name) log.info({ adopted: groupName }, 'taking over the load balancer made for this group.name before groups were keyed by IngressClass');
    else actual = await observeGroup(aws, clusterName, name, interestOf(stack));
  }
  // An Ingress held elsewhere (invalid, its class missing) keeps its rules here too: its group
  // may be unknown (a typo in group.name on an Ingress with no finalizer, as read from files).
  const members = new Set(memberKeys);
  const heldElsewhere = [...new Set((actual?.rules ?? []).flatMap((r) => ruleIngress(r) ?? []))].filter((key) => !members.has(key) && view.placement(key).kind === 'held');
  if (stack !== null && heldElsewhere.length > 0) stack = { ...stack, frozenIngresses: [...stack.frozenIngresses, ...heldElsewhere].sort(compareStrings) };
  const before = (actual?.listeners ?? []).flatMap((l) => l.certificateArns);
  const loadBalancer = lbOf(actual);
  const previousDnsName = actual?.loadBalancer?.dnsName ?? null;
  const leaveAsIs = (reason: string, failure: Failure | null = null): GroupResult => ({
    name,
    ingresses: stack?.ingresses ?? memberKeys,
    loadBalancer,
    changes: [],
    failure,
    leftAsIs: reason,
    released: false,
    previousDnsName,
    errors,
    warnings,
    certificates: { inUse: before, before },
    backend: null,
    gatewayStatus,
  });
  // Problems of the load balancer as a whole: a Gateway's are the Gateway's; an Ingress group's, each applied member's.
  const subjects = (s: DesiredStack): readonly ObjectKey[] => (gateway === undefined ? s.ingresses : [name]);
  const frozenReason = gateway === undefined ? 'no member Ingress is valid' : `${memberName(name)} cannot be programmed (see its errors); its load balancer stays as it is`;

  if (stack === null && (memberKeys.length > 0 || heldElsewhere.length > 0)) {
    // Every member is invalid (or the only Ingress left is one held elsewhere): AWS stays exactly
    // as it is until one is fixed or deleted, except for what it still holds for Ingresses that
    // left the group.
    const departures = actual === null ? [] : releaseDeparted(actual, new Set([...memberKeys, ...heldElsewhere]));
    if (deps.mode === 'plan' || departures.length === 0) {
      return { ...leaveAsIs(frozenReason), changes: departures.map(describeOperation), released: deps.mode === 'apply' };
    }
    const state = new ApplyState(actual, new Map());
    const outcome = await applyOperations(aws, state, departures, { logger: log });
    const failure = applyFailure(outcome, log);
    return { ...leaveAsIs(frozenReason, failure), changes: outcome.done.map(describeOperation), released: failure === null };
  }

  if (stack !== null && stack.frozenIngresses.length > 0 && actual?.loadBalancer != null) {
    // A frozen member may be what set the scheme: its subnets are looked up for the scheme the
    // load balancer has (the diff keeps the load balancer as it is; see heldForFrozen).
    stack = { ...stack, loadBalancer: { ...stack.loadBalancer, scheme: actual.loadBalancer.scheme } };
  }
  let context: DiffContext | null = null;
  const changes: Change[] = [];
  let backendSecurityGroupId: string | null | undefined;
  // A deleted group uses no backend group and needs no rule.
  let backend: BackendUse = { uses: false, vpcId: null, targets: [], complete: true };
  let certificateArns = new Map<string, string>();
  if (stack !== null) {
    const network = await deps.network();
    const resolved = await resolveContext(aws, stack, network, clusterName);
    if (!resolved.ok) {
      errors.push(...subjects(stack).map((ingress) => ({ ingress, group: name, message: `${memberName(ingress)}: ${resolved.error}`, severity: 'excluded' as const })));
      return leaveAsIs(resolved.error, { code: 'aws-state', message: resolved.error, retryable: true });
    }
    // Endpoint addresses ALB would refuse (or that point outside the cluster) are left out.
    const admitted = admitTargets(stack, network);
    stack = admitted.stack;
    warnings.push(...admitted.warnings);
    const bare = stack.listeners.find((l) => l.protocol === 'HTTPS' && l.certificates.length === 0);
    if (bare !== undefined) {
      // Every host's certificate failed: AWS needs one to serve HTTPS at all.
      const message = `HTTPS listener on port ${bare.port} has no certificate to serve; the group is left as it is`;
      return leaveAsIs(message, { code: 'input', message, retryable: false });
    }

    if (actual?.loadBalancer == null) {
      // A load balancer is about to be created: its name must not be someone else's, or AWS
      // refuses it (or hands that one back) after the security group and target groups exist.
      const taken = await loadBalancerNameProblem(aws, stack.loadBalancer.name, stack.loadBalancer.tags);
      if (taken !== null) {
        errors.push(...subjects(stack).map((ingress) => ({ ingress, group: name, message: `${memberName(ingress)}: ${taken}`, severity: 'excluded' as const })));
        return leaveAsIs(taken, { code: 'aws-state', message: taken, retryable: false });
      }
    }
    if (deps.mode === 'apply') await deps.beforeChanges?.(stack.ingresses);
    if (usesBackendSecurityGroup(deps.backendSecurityGroup.setting, stack)) {
      const frontend = stack.securityGroup === null ? resolved.value.securityGroupIds.length : 1;
      if (frontend + 1 > maxSecurityGroupsPerLoadBalancer) {
        const message = `annotation alb.ingress.kubernetes.io/security-groups names ${frontend} security groups and alb.ingress.kubernetes.io/manage-backend-security-group-rules: "true" adds the backend security group, over the ${maxSecurityGroupsPerLoadBalancer} a load balancer may have; name at most ${maxSecurityGroupsPerLoadBalancer - 1}`;
        errors.push(...subjects(stack).map((ingress) => ({ ingress, group: name, message: `${memberName(ingress)}: ${message}`, severity: 'excluded' as const })));
        return leaveAsIs(message, { code: 'input', message, retryable: false });
      }
      const ensured = await deps.backendSecurityGroup.ensure(aws, network.vpcId, deps.mode);
      changes.push(...ensured.changes);
      backendSecurityGroupId = ensured.groupId;
      backend = { uses: true, vpcId: network.vpcId, targets: backendTargetsOf(view, stack), complete: stack.frozenIngresses.length === 0 };
    } else {
      backend = { uses: false, vpcId: network.vpcId, targets: [], complete: true };
    }
    const referenced = new Set(stack.listeners.flatMap((l) => l.certificates.flatMap((c) => (c.kind === 'imported' ? [c.fingerprint] : []))));
    const bundles = secrets.wanted().filter((b) => referenced.has(b.fingerprint));
    if (bundles.length > 0) {
      const ensured = await deps.certificates.ensure(bundles, fingerprintWantedElsewhere(view, deps.now ?? new Date()), deps.mode);
      certificateArns = ensured.arns;
      changes.push(...ensured.changes.map((c) => c.change));
      const failed = ensured.failures[0];
      if (failed !== undefined) {
        log.error({ code: failed.code }, failed.message);
        return { ...leaveAsIs('', failed), changes, leftAsIs: null };
      }
    }
    context = { ...resolved.value, importedCertificateArns: certificateArns, ...(backendSecurityGroupId === undefined ? {} : { backendSecurityGroupId }) };
  }

  const operations = diffStack(stack, actual, context);
  const desiredArns = (stack?.listeners ?? []).flatMap((l) =>
    l.certificates.flatMap((c) => {
      const arn = c.kind === 'arn' ? c.arn : certificateArns.get(c.fingerprint);
      return arn === undefined ? [] : [arn];
    }),
  );
  // Listeners kept for frozen Ingresses keep their certificates too.
  const inUse = (stack?.frozenIngresses.length ?? 0) > 0 ? [...new Set([...before, ...desiredArns])] : desiredArns;
  const ingresses = stack?.ingresses ?? [];
  if (deps.mode === 'plan' || operations.length === 0) {
    return {
      name,
      ingresses,
      loadBalancer,
      changes: [...changes, ...operations.map(describeOperation)],
      failure: null,
      leftAsIs: null,
      released: deps.mode === 'apply',
      previousDnsName,
      errors,
      warnings,
      certificates: { inUse, before },
      backend,
      gatewayStatus,
    };
  }

  const state = new ApplyState(actual, certificateArns);
  const outcome = await applyOperations(aws, state, operations, { logger: log });
  changes.push(...outcome.done.map(describeOperation));
  const failure = applyFailure(outcome, log);
  return {
    name,
    ingresses,
    loadBalancer: state.loadBalancerArn === null ? null : { arn: state.loadBalancerArn, dnsName: state.loadBalancerDnsName ?? '' },
    changes,
    failure,
    leftAsIs: null,
    released: failure === null,
    previousDnsName,
    errors,
    warnings,
    certificates: { inUse: failure === null ? inUse : [...new Set([...before, ...desiredArns])], before },
    backend: failure === null ? backend : null,
    gatewayStatus,
  };
}

/** The failure of an apply that stopped part-way, `null` when it ran through; an abort is thrown on. */
function applyFailure(outcome: Awaited<ReturnType<typeof applyOperations>>, log: Logger): Failure | null {
  if (outcome.failure === null) return null;
  const failed = describeOperation(outcome.failure.operation);
  const failure = failureOf(outcome.failure.error, failed === null ? undefined : `${failed.action} ${failed.kind} ${failed.id}`);
  if (failure.code === 'aborted') throw outcome.failure.error;
  log.error({ code: failure.code, retryable: failure.retryable }, `apply stopped: ${failure.message}`);
  return failure;
}

function lbOf(actual: ActualStack | null): GroupResult['loadBalancer'] {
  return actual?.loadBalancer == null ? null : { arn: actual.loadBalancer.arn, dnsName: actual.loadBalancer.dnsName };
}

/** Attributes are read only where the group sets some; a group being deleted needs none. */
function interestOf(stack: DesiredStack | null): AttributeInterest {
  if (stack === null) return { loadBalancer: false, targetGroups: new Set() };
  return {
    loadBalancer: Object.keys(stack.loadBalancer.attributes).length > 0,
    targetGroups: new Set(stack.targetGroups.filter((t) => Object.keys(t.attributes).length > 0).map((t) => t.id)),
  };
}

/**
 * Whether some Secret of the cluster other than `secret` holds content with this fingerprint
 * right now, so a renewal must not overwrite the certificate holding it. Secrets are parsed
 * on first ask only (renewals are rare), once each.
 */
function fingerprintWantedElsewhere(view: ClusterView, now: Date): (fingerprint: string, secret: ObjectKey) => boolean {
  let bySecret: Map<ObjectKey, string> | null = null;
  return (fingerprint, secret) => {
    if (bySecret === null) {
      bySecret = new Map();
      const keys = new Set([...view.grouping().groups.map((g) => g.name), ...view.gatewayGroups()].flatMap((g) => [...secretsOfGroup(view, g)]));
      for (const key of keys) {
        const slash = key.indexOf('/');
        const parsed = parseTlsSecret(view.secret(key.slice(0, slash), key.slice(slash + 1)), [], now, key);
        if (parsed.ok) bySecret.set(key, parsed.value.fingerprint);
      }
    }
    for (const [key, f] of bySecret) if (key !== secret && f === fingerprint) return true;
    return false;
  };
}

async function resolveContext(aws: Aws, stack: DesiredStack, network: Network, clusterName: string): Promise<Result<DiffContext>> {
  const subnets = selectSubnets(stack.loadBalancer.subnets, stack.loadBalancer.scheme, network, clusterName);
  if (!subnets.ok) return subnets;
  let securityGroupIds: string[] = [];
  if (stack.securityGroup === null) {
    const sgs = await resolveSecurityGroups(aws, stack.loadBalancer.securityGroups, network.vpcId);
    if (!sgs.ok) return sgs;
    securityGroupIds = sgs.value;
  }
  return ok({ vpcId: network.vpcId, subnetIds: subnets.value, securityGroupIds });
}
