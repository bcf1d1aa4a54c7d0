// Test certificates made on the fly with the openssl command (no key material is committed):
// self-signed leaves, a root -> intermediate -> leaf chain, and TLS Secrets holding them.
// Shared by the unit and the integration tests of certificates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';

export type KeySpec = 'ec' | 'ec384' | 'rsa2048' | 'rsa3072' | 'ed25519';

export interface Issued {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface IssueOptions {
  /** openssl `-subj` form. @default `/CN=<first SAN>` */
  readonly subject?: string;
  /** DNS names; an entry with a type prefix (`IP:10.0.0.1`, `email:a@b.c`) is taken as written. */
  readonly sans?: readonly string[];
  readonly key?: KeySpec;
  /** Signs with this CA; self-signed without. */
  readonly issuer?: Issued;
  /** A CA certificate (basicConstraints CA:TRUE). */
  readonly ca?: boolean;
  /** @default 30 */
  readonly days?: number;
}

const keyArgs: Record<KeySpec, string[]> = {
  ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa3072: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  ed25519: ['-algorithm', 'ed25519'],
};

/** A scratch folder for openssl's files; `close()` removes it. */
export class Pki {
  private readonly dir = mkdtempSync(join(tmpdir(), 'albatross-pki-'));
  private serial = 1;

  issue(options: IssueOptions = {}): Issued {
    const n = this.serial++;
    const file = (suffix: string): string => join(this.dir, `${n}.${suffix}`);
    const sans = options.sans ?? [];
    const subject = options.subject ?? `/CN=${sans[0] ?? `Test ${n}`}`;
    const days = String(options.days ?? 30);
    execFileSync('openssl', ['genpkey', ...keyArgs[options.key ?? 'ec'], '-out', file('key')], { stdio: 'pipe' });
    const extensions = [
      options.ca === true ? 'basicConstraints=critical,CA:TRUE' : 'basicConstraints=CA:FALSE',
      options.ca === true ? 'keyUsage=critical,keyCertSign,cRLSign' : 'keyUsage=critical,digitalSignature,keyEncipherment',
      ...(sans.length > 0 ? [`subjectAltName=${sans.map((s) => (/^[A-Za-z]+:/.test(s) ? s : `DNS:${s}`)).join(',')}`] : []),
    ];
    if (options.issuer === undefined) {
      execFileSync(
        'openssl',
        ['req', '-x509', '-new', '-key', file('key'), '-subj', subject, '-days', days, '-out', file('crt'), ...extensions.flatMap((e) => ['-addext', e])],
        { stdio: 'pipe' },
      );
    } else {
      writeFileSync(file('issuer.crt'), options.issuer.certPem);
      writeFileSync(file('issuer.key'), options.issuer.keyPem);
      writeFileSync(file('ext'), `${extensions.join('\n')}\n`);
      execFileSync('openssl', ['req', '-new', '-key', file('key'), '-subj', subject, '-out', file('csr')], { stdio: 'pipe' });
      execFileSync(
        'openssl',
        ['x509', '-req', '-in', file('csr'), '-CA', file('issuer.crt'), '-CAkey', file('issuer.key'), '-set_serial', String(1000 + n), '-days', days, '-extfile', file('ext'), '-out', file('crt')],
        { stdio: 'pipe' },
      );
    }
    return { certPem: readFileSync(file('crt'), 'utf8'), keyPem: readFileSync(file('key'), 'utf8') };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A root, an intermediate it signed, and a leaf the intermediate signed. */
export function chain(pki: Pki, sans: readonly string[], key: KeySpec = 'ec'): { root: Issued; intermediate: Issued; leaf: Issued } {
  const root = pki.issue({ subject: '/CN=Albatross Test Root', ca: true, days: 60 });
  const intermediate = pki.issue({ subject: '/CN=Albatross Test Intermediate', ca: true, issuer: root, days: 60 });
  const leaf = pki.issue({ sans, issuer: intermediate, key });
  return { root, intermediate, leaf };
}

export interface SecretOptions {
  readonly namespace?: string;
  readonly name?: string;
  readonly type?: string | undefined;
  /** Written to `stringData` instead of base64 `data`. */
  readonly plain?: boolean;
}

/** A TLS Secret as the API server returns it (base64 `data`), or hand-written (`stringData`). */
export function tlsSecret(crt: string | undefined, key: string | undefined, options: SecretOptions = {}): V1Secret {
  const values: Record<string, string> = {};
  if (crt !== undefined) values['tls.crt'] = options.plain === true ? crt : Buffer.from(crt).toString('base64');
  if (key !== undefined) values['tls.key'] = options.plain === true ? key : Buffer.from(key).toString('base64');
  const type = 'type' in options ? options.type : 'kubernetes.io/tls';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: options.namespace ?? 'shop', name: options.name ?? 'cart-tls' },
    ...(type === undefined ? {} : { type }),
    ...(options.plain === true ? { stringData: values } : { data: values }),
  };
}
