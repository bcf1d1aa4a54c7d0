// The annotation table in docs/annotations.md is generated from the annotation definitions
// (scripts/annotations-doc.ts). This fails when the file is out of date, and when the
// reference data beside the definitions disagrees with the parsers it describes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from '@jest/globals';
import {
  Annotation,
  AnnotationDocs,
  annotationKey,
  parseBackendProtocol,
  parseBackendProtocolVersion,
  parseCertificateArns,
  parseGroupName,
  parseGroupOrder,
  parseHealthCheckIntervalSeconds,
  parseHealthCheckPath,
  parseHealthCheckPort,
  parseHealthCheckProtocol,
  parseHealthCheckTimeoutSeconds,
  parseHealthyThresholdCount,
  parseInboundCidrs,
  parseIpAddressType,
  parseListenPorts,
  parseLoadBalancerAttributes,
  parseLoadBalancerName,
  parseManageBackendSecurityGroupRules,
  parseScheme,
  parseSecurityGroups,
  parseSslPolicy,
  parseSslRedirect,
  parseSubnets,
  parseSuccessCodes,
  parseTags,
  parseTargetGroupAttributes,
  parseTargetType,
  parseUnhealthyThresholdCount,
  type Annotations,
} from '../../../src/ingress/annotations.js';
import { BackendAnnotationDocs, parseAction, parseConditions } from '../../../src/ingress/backend-annotations.js';
import { defaultSslPolicy } from '../../../src/model/resources.js';
import type { Result } from '../../../src/model/result.js';
import { HealthCheckDefaults, parseServiceTags, parseTargetGroupAnnotations } from '../../../src/translate/target-group-settings.js';

const run = promisify(execFile);
const root = process.cwd();
// The script runs on Node 24's type stripping: the project's Node, whatever runs Jest.
const node = existsSync(join(root, 'node_modules/.bin/node')) ? join(root, 'node_modules/.bin/node') : process.execPath;

async function check(file?: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(node, ['scripts/annotations-doc.ts', '--check', ...(file === undefined ? [] : ['--file', file])]);
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? String(error) };
  }
}

type Key = keyof typeof Annotation;
const keys = Object.keys(Annotation) as Key[];

const parsers: Readonly<Record<Key, (a: Annotations) => Result<unknown>>> = {
  groupName: parseGroupName,
  groupOrder: parseGroupOrder,
  loadBalancerName: parseLoadBalancerName,
  scheme: parseScheme,
  ipAddressType: parseIpAddressType,
  subnets: parseSubnets,
  securityGroups: parseSecurityGroups,
  manageBackendSecurityGroupRules: parseManageBackendSecurityGroupRules,
  inboundCidrs: parseInboundCidrs,
  listenPorts: parseListenPorts,
  certificateArn: parseCertificateArns,
  sslPolicy: parseSslPolicy,
  sslRedirect: parseSslRedirect,
  loadBalancerAttributes: parseLoadBalancerAttributes,
  tags: parseTags,
  targetType: parseTargetType,
  backendProtocol: parseBackendProtocol,
  backendProtocolVersion: parseBackendProtocolVersion,
  healthcheckPort: parseHealthCheckPort,
  healthcheckProtocol: parseHealthCheckProtocol,
  healthcheckPath: parseHealthCheckPath,
  healthcheckIntervalSeconds: parseHealthCheckIntervalSeconds,
  healthcheckTimeoutSeconds: parseHealthCheckTimeoutSeconds,
  healthyThresholdCount: parseHealthyThresholdCount,
  unhealthyThresholdCount: parseUnhealthyThresholdCount,
  successCodes: parseSuccessCodes,
  targetGroupAttributes: parseTargetGroupAttributes,
};

const parse = (key: Key, value: string): Result<unknown> => parsers[key]({ [annotationKey(Annotation[key])]: value });

describe('docs/annotations.md', () => {
  it('is up to date with the annotation definitions (node scripts/annotations-doc.ts)', async () => {
    const { code, stderr } = await check();
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('the check fails on a stale table, naming the command that fixes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'annotations-doc-'));
    try {
      const file = join(dir, 'annotations.md');
      const text = readFileSync(join(root, 'docs/annotations.md'), 'utf8');
      writeFileSync(file, text.replace('| `group.order` | integer, -1000 to 1000 |', '| `group.order` | integer |'));
      const { code, stderr } = await check(file);
      expect(code).toBe(1);
      expect(stderr).toContain('node scripts/annotations-doc.ts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists every annotation the code defines, each once', () => {
    const text = readFileSync(join(root, 'docs/annotations.md'), 'utf8');
    const table = defined(/<!-- BEGIN annotation table[^\n]*\n([\s\S]*?)<!-- END annotation table -->/.exec(text)?.[1]);
    const names = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(names).toEqual([...keys.map((k) => Annotation[k]), ...Object.keys(BackendAnnotationDocs)]);
  });
});

describe('annotation reference data', () => {
  it.each(keys)('%s: the example is a value its parser accepts', (key) => {
    expect(parse(key, AnnotationDocs[key].example)).toMatchObject({ ok: true });
  });

  it('actions.NAME and conditions.NAME: the examples parse', () => {
    const on = (family: string, value: string): Annotations => ({ [annotationKey(`${family}.web`)]: value });
    expect(parseAction(on('actions', BackendAnnotationDocs['actions.NAME'].example), 'web')).toMatchObject({ ok: true, value: { type: 'redirect' } });
    expect(parseConditions(on('conditions', BackendAnnotationDocs['conditions.NAME'].example), 'web')).toMatchObject({ ok: true });
  });

  it.each(keys.filter((k) => AnnotationDocs[k].type.kind === 'integer'))('%s: the documented range is the parser\'s', (key) => {
    const type = AnnotationDocs[key].type;
    if (type.kind !== 'integer') throw new Error('filtered on integers');
    expect([type.min, type.max].map((n) => parse(key, String(n)).ok)).toEqual([true, true]);
    expect([type.min - 1, type.max + 1].map((n) => parse(key, String(n)).ok)).toEqual([false, false]);
  });

  it.each(keys.filter((k) => AnnotationDocs[k].type.kind === 'enum' || AnnotationDocs[k].type.kind === 'boolean'))(
    '%s: the documented values are the ones the parser accepts',
    (key) => {
      const type = AnnotationDocs[key].type;
      const values = type.kind === 'enum' ? type.values : ['true', 'false'];
      expect(values.map((v) => parse(key, v).ok)).toEqual(values.map(() => true));
      // The parser's message lists what it allows: the same values, no others.
      const refused = parse(key, 'not-a-value');
      expect(refused.ok).toBe(false);
      const message = refused.ok ? '' : refused.error;
      const listed = [...message.slice(message.lastIndexOf(';')).matchAll(/"([^"]+)"/g)].map((m) => m[1]);
      expect([...listed].sort()).toEqual([...values].sort());
    },
  );

  it.each(keys)('%s: "on a Service" matches what is read from a Service', (key) => {
    const bad: Annotations = { [annotationKey(Annotation[key])]: key === 'tags' ? 'aws:x=1' : '???' };
    const readOnService = parseTargetGroupAnnotations(bad).errors.length > 0 || !parseServiceTags(bad).ok;
    expect(readOnService).toBe(AnnotationDocs[key].onService);
  });

  it('defaults agree with the constants the translation uses', () => {
    expect(AnnotationDocs.sslPolicy.default).toBe(`\`${defaultSslPolicy}\``);
    expect(AnnotationDocs.healthcheckIntervalSeconds.default).toBe(`\`${HealthCheckDefaults.intervalSeconds}\``);
    expect(AnnotationDocs.healthcheckTimeoutSeconds.default).toBe(`\`${HealthCheckDefaults.timeoutSeconds}\``);
    expect(AnnotationDocs.healthyThresholdCount.default).toBe(`\`${HealthCheckDefaults.healthyThresholdCount}\``);
    expect(AnnotationDocs.unhealthyThresholdCount.default).toBe(`\`${HealthCheckDefaults.unhealthyThresholdCount}\``);
    expect(AnnotationDocs.healthcheckPath.default).toBe(`\`${HealthCheckDefaults.path}\`; \`${HealthCheckDefaults.grpcPath}\` for \`GRPC\``);
    expect(AnnotationDocs.successCodes.default).toBe(`\`${HealthCheckDefaults.successCodes}\`; \`${HealthCheckDefaults.grpcSuccessCodes}\` for \`GRPC\``);
  });
});

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the table between the markers is missing from docs/annotations.md');
  return value;
}
