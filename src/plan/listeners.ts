// Listeners, matched by port (AWS allows one listener per port): protocol, default action
// and certificates change in place.
import type { ActualListener } from '../model/actual.js';
import type { CertificateRef, ListenerSpec, TargetGroupRef } from '../model/resources.js';
import { canonicalAction } from './equality.js';
import { matchBy } from './match.js';
import type { Operation } from './operations.js';
import { pushTagOps } from './tags.js';

/** The port is the match key and everything else changes in place: never a replacement. */
export function listenerNeedsReplacement(_spec: ListenerSpec, _actual: ActualListener): string | null {
  return null;
}

export interface ListenersContext {
  readonly arnOf: (ref: TargetGroupRef) => string | undefined;
  readonly certificateArn: (ref: CertificateRef) => string;
  /** While an Ingress is frozen its hosts may still need a certificate we no longer list. */
  readonly detachCertificates: boolean;
}

export interface ListenerDiff {
  readonly ops: Operation[];
  /** The actual listener on each desired port, for the rules diff. */
  readonly kept: ReadonlyMap<number, ActualListener>;
  /** Actual listeners on ports no longer wanted. */
  readonly unused: readonly ActualListener[];
}

export function diffListeners(desired: readonly ListenerSpec[], actual: readonly ActualListener[], ctx: ListenersContext): ListenerDiff {
  const ops: Operation[] = [];
  const { matched, toCreate, toDelete } = matchBy(
    desired,
    actual,
    (l) => String(l.port),
    (l) => String(l.port),
  );
  const kept = new Map<number, ActualListener>();
  const unused = [...toDelete];
  const matchedByPort = new Map(matched.map(([spec, listener]) => [spec.port, listener]));
  // In desired order, so the plan lists listeners as the stack does.
  for (const spec of desired) {
    const listener = matchedByPort.get(spec.port);
    if (listener === undefined) {
      if (toCreate.includes(spec)) ops.push({ op: 'createListener', spec });
      continue;
    }
    if (listenerNeedsReplacement(spec, listener) !== null) {
      ops.push({ op: 'createListener', spec });
      unused.push(listener);
      continue;
    }
    kept.set(spec.port, listener);
    const fields = listenerDifferences(spec, listener, ctx);
    if (fields.length > 0) ops.push({ op: 'modifyListener', id: spec.id, arn: listener.arn, spec, fields });
    if (spec.protocol === 'HTTPS')
      ops.push(
        ...sniCertificateOps(spec, listener, fields.includes('defaultCertificate'), ctx.certificateArn).filter(
          (op) => ctx.detachCertificates || op.op !== 'removeListenerCertificates',
        ),
      );
    pushTagOps(ops, spec.id, 'elbv2', listener.arn, spec.tags, listener.tags);
  }
  return { ops, kept, unused };
}

function listenerDifferences(spec: ListenerSpec, listener: ActualListener, ctx: ListenersContext): string[] {
  const fields: string[] = [];
  if (spec.protocol !== listener.protocol) fields.push('protocol');
  if (canonicalAction(spec.defaultAction, ctx.arnOf) !== canonicalAction(listener.defaultAction, ctx.arnOf)) fields.push('defaultAction');
  if (spec.protocol === 'HTTPS') {
    const wanted = spec.certificates.map(ctx.certificateArn);
    if (wanted[0] !== listener.certificateArns[0]) fields.push('defaultCertificate');
    if (spec.sslPolicy !== undefined && spec.sslPolicy !== listener.sslPolicy) fields.push('sslPolicy');
  }
  return fields;
}

/**
 * SNI certificates: everything but the default. New ones are attached (and, after a default
 * change, all are checked again, since some endpoints drop them then); unwanted ones are
 * detached in a later phase, so no host is ever without a certificate.
 */
function sniCertificateOps(
  spec: ListenerSpec,
  listener: ActualListener,
  defaultChanged: boolean,
  certificateArn: (ref: CertificateRef) => string,
): Operation[] {
  const wanted = spec.certificates.map(certificateArn);
  const wantedSni = spec.certificates.slice(1);
  const current = new Set(listener.certificateArns.slice(1));
  const ops: Operation[] = [];
  const missing = wantedSni.filter((ref) => !current.has(certificateArn(ref)));
  if (missing.length > 0 || (defaultChanged && wantedSni.length > 0)) {
    ops.push({ op: 'addListenerCertificates', id: spec.id, arn: listener.arn, certificates: defaultChanged ? wantedSni : missing });
  }
  const unwanted = [...current].filter((arn) => !wanted.includes(arn));
  if (unwanted.length > 0) ops.push({ op: 'removeListenerCertificates', id: spec.id, arn: listener.arn, certificateArns: unwanted });
  return ops;
}
