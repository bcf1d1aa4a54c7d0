// Each changing call of apply, retried after its answer was lost, meets its own earlier
// success: those answers count as done, and anything else still fails.
import { addListenerCertificates, deleteListener } from '../../../src/apply/listeners.js';
import { alreadyDone, movesLeft, stillRegistered } from '../../../src/apply/recover.js';
import { deleteRule, setRulePriorities } from '../../../src/apply/rules.js';
import { ApplyState } from '../../../src/apply/state.js';
import { deleteTargetGroup, deregisterTargets } from '../../../src/apply/target-groups.js';
import { AwsCallError } from '../../../src/aws/clients.js';
import type { OperationOf } from '../../../src/plan/operations.js';
import { awsError, connectionReset, fakeAws } from '../fake-aws.js';

const ruleA = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/lb/1/2/a';
const ruleB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/lb/1/2/b';
const listener = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/1/2';
const tg = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1';

const deleteRuleOp: OperationOf<'deleteRule'> = { op: 'deleteRule', id: 'rule/80/abc', arn: ruleA, listenerPort: 80, priority: 100, conditions: [], action: null };
const moves: OperationOf<'setRulePriorities'> = {
  op: 'setRulePriorities',
  listenerPort: 80,
  moves: [
    { id: 'rule/80/a', arn: ruleA, from: 100, priority: 150 },
    { id: 'rule/80/b', arn: ruleB, from: 200, priority: 250 },
  ],
};
const deregister: OperationOf<'deregisterTargets'> = { op: 'deregisterTargets', id: 'tg/shop/web:80/HTTP-HTTP1-ip', arn: tg, targets: [{ ip: '10.0.1.10', port: 8080 }] };

describe('alreadyDone', () => {
  it('takes API reference codes and matches the SDK exception names too', async () => {
    const failing = (code: string) => () => Promise.reject(new AwsCallError('aws-validation', 'DeleteRule', code, 'gone', null));
    await expect(alreadyDone(failing('RuleNotFoundException'), ['RuleNotFound'])).resolves.toBeUndefined();
    await expect(alreadyDone(failing('InvalidGroup.NotFound'), ['InvalidGroup.NotFound'])).resolves.toBeUndefined();
    await expect(alreadyDone(failing('OperationNotPermittedException'), ['RuleNotFound'])).rejects.toThrow(
      'DeleteRule failed: OperationNotPermittedException: gone',
    );
  });
});

describe('deletes whose first answer was lost', () => {
  it('deleteRule: the retry meets RuleNotFound and the rule counts as deleted', async () => {
    let n = 0;
    const fake = fakeAws(() => {
      if (++n === 1) throw connectionReset();
      throw awsError('RuleNotFoundException');
    });
    await expect(deleteRule(fake.aws, deleteRuleOp)).resolves.toBeUndefined();
    expect(fake.operations()).toEqual(['DeleteRule', 'DeleteRule']);
  });

  it('deleteRule: the default rule is still refused', async () => {
    const fake = fakeAws(() => {
      throw awsError('OperationNotPermittedException');
    });
    await expect(deleteRule(fake.aws, deleteRuleOp)).rejects.toThrow('DeleteRule failed: OperationNotPermittedException');
  });

  it('deleteListener and deleteTargetGroup: not found counts as deleted, in use does not', async () => {
    const gone = fakeAws((op) => {
      throw awsError(op === 'DeleteListener' ? 'ListenerNotFoundException' : 'TargetGroupNotFoundException');
    });
    await expect(deleteListener(gone.aws, { op: 'deleteListener', id: 'listener/80', arn: listener, port: 80 })).resolves.toBeUndefined();
    await expect(deleteTargetGroup(gone.aws, { op: 'deleteTargetGroup', id: 'tg/x', arn: tg, name: 'web' })).resolves.toBeUndefined();
    const inUse = fakeAws(() => {
      throw awsError('ResourceInUseException');
    });
    await expect(deleteTargetGroup(inUse.aws, { op: 'deleteTargetGroup', id: 'tg/x', arn: tg, name: 'web' })).rejects.toThrow('ResourceInUseException');
  });
});

describe('setRulePriorities', () => {
  const rules = (a: string, b: string) => ({ Rules: [{ RuleArn: ruleA, Priority: a }, { RuleArn: ruleB, Priority: b }] });

  it('is done when PriorityInUse answers a retry and both rules are where they should be', async () => {
    let sets = 0;
    const fake = fakeAws((op) => {
      if (op === 'DescribeRules') return rules('150', '250');
      if (++sets === 1) throw connectionReset();
      throw awsError('PriorityInUseException');
    });
    await setRulePriorities(fake.aws, moves);
    expect(fake.operations()).toEqual(['SetRulePriorities', 'SetRulePriorities', 'DescribeRules']);
    expect(fake.calls[2]?.input).toEqual({ RuleArns: [ruleA, ruleB] });
  });

  it('sends only the moves not yet in effect', async () => {
    let sets = 0;
    const fake = fakeAws((op) => {
      if (op === 'DescribeRules') return rules('150', '200');
      if (++sets === 1) throw awsError('PriorityInUseException');
      return {};
    });
    await setRulePriorities(fake.aws, moves);
    expect(fake.operations()).toEqual(['SetRulePriorities', 'DescribeRules', 'SetRulePriorities']);
    expect(fake.calls[2]?.input).toEqual({ RulePriorities: [{ RuleArn: ruleB, Priority: 250 }] });
  });

  it('fails when no rule is at its wanted priority: another rule holds it', async () => {
    const fake = fakeAws((op) => {
      if (op === 'DescribeRules') return rules('100', '200');
      throw awsError('PriorityInUseException');
    });
    await expect(setRulePriorities(fake.aws, moves)).rejects.toThrow('SetRulePriorities failed: PriorityInUseException');
    expect(fake.operations()).toEqual(['SetRulePriorities', 'DescribeRules']);
  });

  it('movesLeft keeps the moves whose rule is elsewhere or missing', () => {
    const wanted = [
      { arn: ruleA, priority: 150 },
      { arn: ruleB, priority: 250 },
    ];
    expect(movesLeft(wanted, new Map([[ruleA, 150], [ruleB, 250]]))).toEqual([]);
    expect(movesLeft(wanted, new Map([[ruleA, 100]]))).toEqual(wanted);
  });
});

describe('deregisterTargets', () => {
  it('is done when InvalidTarget answers a retry and the target is draining or gone', async () => {
    for (const health of [[], [{ Target: { Id: '10.0.1.10', Port: 8080 }, TargetHealth: { State: 'draining' } }]]) {
      let n = 0;
      const fake = fakeAws((op) => {
        if (op === 'DescribeTargetHealth') return { TargetHealthDescriptions: health };
        if (++n === 1) throw connectionReset();
        throw awsError('InvalidTargetException');
      });
      await expect(deregisterTargets(fake.aws, deregister)).resolves.toBeUndefined();
      expect(fake.operations()).toEqual(['DeregisterTargets', 'DeregisterTargets', 'DescribeTargetHealth']);
    }
  });

  it('fails on InvalidTarget while the target is still registered', async () => {
    const fake = fakeAws((op) => {
      if (op === 'DescribeTargetHealth') return { TargetHealthDescriptions: [{ Target: { Id: '10.0.1.10', Port: 8080 }, TargetHealth: { State: 'healthy' } }] };
      throw awsError('InvalidTargetException');
    });
    await expect(deregisterTargets(fake.aws, deregister)).rejects.toThrow('DeregisterTargets failed: InvalidTargetException');
  });

  it('stillRegistered matches by address and port, and a draining target is gone', () => {
    const wanted = [
      { ip: '10.0.1.10', port: 8080 },
      { ip: '10.0.2.10', port: 8080 },
    ];
    expect(
      stillRegistered(wanted, [
        { id: '10.0.1.10', port: 9090, state: 'healthy' },
        { id: '10.0.2.10', port: 8080, state: 'draining' },
      ]),
    ).toEqual([]);
    expect(stillRegistered(wanted, [{ id: '10.0.2.10', port: 8080, state: 'unused' }])).toEqual([{ ip: '10.0.2.10', port: 8080 }]);
  });
});

describe('addListenerCertificates', () => {
  const sni = 'arn:aws:acm:us-east-1:123456789012:certificate/sni';
  const op: OperationOf<'addListenerCertificates'> = { op: 'addListenerCertificates', id: 'listener/443', arn: listener, certificates: [{ kind: 'arn', arn: sni }] };

  it('reads the list again before a retry and does not add a certificate twice', async () => {
    const present: string[] = [];
    const fake = fakeAws((operation, input) => {
      if (operation === 'DescribeListenerCertificates') return { Certificates: present.map((CertificateArn) => ({ CertificateArn })) };
      present.push(...((input['Certificates'] as { CertificateArn: string }[]).map((c) => c.CertificateArn)));
      throw connectionReset();
    });
    await addListenerCertificates(fake.aws, new ApplyState(null), op);
    expect(fake.operations()).toEqual(['DescribeListenerCertificates', 'AddListenerCertificates', 'DescribeListenerCertificates']);
    expect(present).toEqual([sni]);
  });
});
