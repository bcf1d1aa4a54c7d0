// The IngressClassParams CRD as a real kube-apiserver enforces it: the chart's manifest
// installs, a valid object is stored as written, and values the schema forbids are refused.
import { join } from 'node:path';
import { ApiException, CustomObjectsApi, NetworkingV1Api } from '@kubernetes/client-node';
import { envtestPerFile } from './suite.js';

const CRD = join(process.cwd(), 'charts/albatross/files/crds/ingressclassparams.yaml');
const TEST_TIMEOUT_MS = 30_000;
const params = { group: 'albatross.dev', version: 'v1', plural: 'ingressclassparams' } as const;

const started = envtestPerFile({ crdPaths: [CRD] });

function api(): CustomObjectsApi {
  return started().kubeConfig.makeApiClient(CustomObjectsApi);
}

function object(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'albatross.dev/v1', kind: 'IngressClassParams', metadata: { name }, spec };
}

/** The API server's answer to a create: its status code and message when it refuses. */
async function refusal(body: Record<string, unknown>): Promise<{ code: number; message: string }> {
  const error = await api()
    .createClusterCustomObject({ ...params, body })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  if (!(error instanceof ApiException)) throw new Error(`expected a refusal, got ${String(error)}`);
  const parsed = JSON.parse(String((error as ApiException<unknown>).body)) as { message?: string };
  return { code: error.code, message: parsed.message ?? '' };
}

describe('IngressClassParams CRD', () => {
  it(
    'stores a valid object with every field, and an IngressClass refers to it',
    async () => {
      const spec = {
        group: { name: 'shop' },
        scheme: 'internet-facing',
        ipAddressType: 'dualstack',
        subnets: { ids: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'] },
        inboundCIDRs: ['10.0.0.0/8', '2600:1f14::/56'],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: ['arn:aws:acm:eu-west-1:123456789012:certificate/abc'],
        tags: [{ key: 'team', value: 'shop' }],
        loadBalancerAttributes: [{ key: 'idle_timeout.timeout_seconds', value: '120' }],
        loadBalancerName: 'shop-prod',
        namespaceSelector: {
          matchLabels: { team: 'shop' },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['prod', 'staging'] },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
      };
      const created = (await api().createClusterCustomObject({ ...params, body: object('shop', spec) })) as { spec?: unknown };
      expect(created.spec).toEqual(spec);
      const read = (await api().getClusterCustomObject({ ...params, name: 'shop' })) as { spec?: unknown; metadata?: { namespace?: string } };
      expect(read.spec).toEqual(spec);
      expect(read.metadata?.namespace).toBeUndefined();

      const networking = started().kubeConfig.makeApiClient(NetworkingV1Api);
      const ingressClass = await networking.createIngressClass({
        body: {
          metadata: { name: 'shop' },
          spec: { controller: 'albatross.dev/alb', parameters: { apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'shop' } },
        },
      });
      expect(ingressClass.spec?.parameters).toEqual({ apiGroup: 'albatross.dev', kind: 'IngressClassParams', name: 'shop', scope: 'Cluster' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps fields Albatross does not implement, so that they are refused rather than lost',
    async () => {
      const created = (await api().createClusterCustomObject({
        ...params,
        body: object('waf', { wafv2AclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1' }),
      })) as { spec?: unknown };
      expect(created.spec).toEqual({ wafv2AclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1' });
    },
    TEST_TIMEOUT_MS,
  );

  it.each([
    ['a scheme outside the enum', { scheme: 'public' }, 'spec.scheme: Unsupported value: "public": supported values: "internal", "internet-facing"'],
    ['an ipAddressType outside the enum', { ipAddressType: 'ipv6' }, 'spec.ipAddressType: Unsupported value: "ipv6"'],
    ['a scheme of the wrong type', { scheme: 5 }, 'spec.scheme: Invalid value: "integer": spec.scheme in body must be of type string: "integer"'],
    ['tags as a string', { tags: 'team=shop' }, 'spec.tags: Invalid value: "string": spec.tags in body must be of type array: "string"'],
    ['a tag without a value', { tags: [{ key: 'team' }] }, 'spec.tags[0].value: Required value'],
    ['a subnet id that is not one', { subnets: { ids: ['web-a'] } }, 'spec.subnets.ids[0] in body should match'],
    ['a group name with capitals', { group: { name: 'Shop' } }, 'spec.group.name in body should match'],
    ['an unknown selector operator', { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Equals' }] } }, 'spec.namespaceSelector.matchExpressions[0].operator: Unsupported value: "Equals"'],
  ])(
    'refuses %s',
    async (_what, spec, expected) => {
      const { code, message } = await refusal(object('bad', spec));
      expect(code).toBe(422);
      expect(message).toContain(expected);
    },
    TEST_TIMEOUT_MS,
  );
});
