// Listener operations. The listener's default action is where unmatched requests go.
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  DeleteListenerCommand,
  DescribeListenerCertificatesCommand,
  ModifyListenerCommand,
  RemoveListenerCertificatesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Aws } from '../aws/clients.js';
import { actionToSdk, tagsToSdk } from '../aws/elbv2-shapes.js';
import type { ListenerSpec } from '../model/resources.js';
import type { OperationOf } from '../plan/operations.js';
import { alreadyDone, findListener } from './recover.js';
import type { ApplyState } from './state.js';

function tlsSettings(spec: ListenerSpec, state: ApplyState): { Certificates?: { CertificateArn: string }[]; SslPolicy?: string } {
  if (spec.protocol !== 'HTTPS') return {};
  const first = spec.certificates[0];
  return {
    // Only the default certificate goes here; SNI certificates are listener certificates.
    ...(first === undefined ? {} : { Certificates: [{ CertificateArn: state.certificateArn(first) }] }),
    ...(spec.sslPolicy === undefined ? {} : { SslPolicy: spec.sslPolicy }),
  };
}

export async function createListener(aws: Aws, state: ApplyState, op: OperationOf<'createListener'>): Promise<void> {
  const { spec } = op;
  const res = await aws.send(
    aws.elbv2,
    new CreateListenerCommand({
      LoadBalancerArn: state.requireLoadBalancerArn(),
      Port: spec.port,
      Protocol: spec.protocol,
      DefaultActions: [actionToSdk(spec.defaultAction, state.targetGroupArn)],
      ...tlsSettings(spec, state),
      Tags: tagsToSdk(spec.tags),
    }),
    { recover: findListener(aws, state.requireLoadBalancerArn(), spec.port) },
  );
  const arn = res.Listeners?.[0]?.ListenerArn;
  if (arn !== undefined) state.listenerArns.set(spec.port, arn);
  const sni = spec.protocol === 'HTTPS' ? spec.certificates.slice(1).map((ref) => state.certificateArn(ref)) : [];
  if (arn !== undefined && sni.length > 0) await addCertificates(aws, arn, sni);
}

/**
 * Adds certificates to a listener. Before a retry it reads the listener's list: when an
 * attempt whose answer was lost added them, that is the answer (the emulator would add them
 * twice; AWS documents no error for a certificate already there).
 */
async function addCertificates(aws: Aws, listenerArn: string, certificateArns: readonly string[]): Promise<void> {
  await aws.send(aws.elbv2, new AddListenerCertificatesCommand({ ListenerArn: listenerArn, Certificates: certificateArns.map((CertificateArn) => ({ CertificateArn })) }), {
    recover: async () => {
      const present = await listenerCertificateArns(aws, listenerArn);
      return certificateArns.every((a) => present.has(a)) ? { Certificates: certificateArns.map((CertificateArn) => ({ CertificateArn })), $metadata: {} } : undefined;
    },
  });
}

async function listenerCertificateArns(aws: Aws, listenerArn: string): Promise<Set<string | undefined>> {
  const current = await aws.send(aws.elbv2, new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn }));
  return new Set((current.Certificates ?? []).map((c) => c.CertificateArn));
}

/** Attaches the SNI certificates the listener lacks, reading its list first. */
export async function addListenerCertificates(aws: Aws, state: ApplyState, op: OperationOf<'addListenerCertificates'>): Promise<void> {
  const present = await listenerCertificateArns(aws, op.arn);
  const missing = [...new Set(op.certificates.map((ref) => state.certificateArn(ref)))].filter((arn) => !present.has(arn));
  if (missing.length === 0) return;
  await addCertificates(aws, op.arn, missing);
}

/**
 * Removing a certificate that is not there is no error on AWS (the API reference lists only
 * ListenerNotFound and OperationNotPermitted) nor on the emulator, so a retry is harmless.
 */
export async function removeListenerCertificates(aws: Aws, op: OperationOf<'removeListenerCertificates'>): Promise<void> {
  await aws.send(
    aws.elbv2,
    new RemoveListenerCertificatesCommand({ ListenerArn: op.arn, Certificates: op.certificateArns.map((CertificateArn) => ({ CertificateArn })) }),
  );
}

/**
 * ModifyListener sets what it is given whole; a retry after a lost answer sets the same.
 */
export async function modifyListener(aws: Aws, state: ApplyState, op: OperationOf<'modifyListener'>): Promise<void> {
  const { spec } = op;
  await aws.send(
    aws.elbv2,
    new ModifyListenerCommand({
      ListenerArn: op.arn,
      Port: spec.port,
      Protocol: spec.protocol,
      DefaultActions: [actionToSdk(spec.defaultAction, state.targetGroupArn)],
      ...tlsSettings(spec, state),
    }),
  );
}

/** Deletes a listener; ListenerNotFound (AWS API reference, DeleteListener) means an earlier attempt did. */
export async function deleteListener(aws: Aws, op: OperationOf<'deleteListener'>): Promise<void> {
  await alreadyDone(() => aws.send(aws.elbv2, new DeleteListenerCommand({ ListenerArn: op.arn })), ['ListenerNotFound']);
}
