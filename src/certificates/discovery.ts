// Which certificate names cover which hosts, and which ACM certificate to pick for a host
// when an Ingress names none. Pure: the ACM reads are in acm.ts.
import { compareStrings } from '../model/compare.js';

/** Lower case, without the one trailing dot a fully qualified name may carry. */
function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Whether a certificate with these DNS names is valid for `host`, by the rules browsers
 * apply (RFC 6125): names compare case-insensitively, and a wildcard is allowed only as the
 * whole leftmost label, where it stands for exactly one label (`*.foo.com` covers
 * `a.foo.com`, not `foo.com` and not `a.b.foo.com`). A wildcard host (`*.foo.com` in an
 * Ingress) is covered only by that same wildcard name.
 */
export function certificateCovers(names: readonly string[], host: string): boolean {
  return names.some((name) => nameCovers(name, host));
}

function nameCovers(certificateName: string, host: string): boolean {
  const name = normalizeName(certificateName);
  const wanted = normalizeName(host);
  if (name === '' || wanted === '') return false;
  if (name === wanted) return true;
  if (!name.startsWith('*.') || wanted.startsWith('*.')) return false;
  const suffix = name.slice(1); // `.foo.com`
  // A bare `*.com`-style name, or any further `*`, never matches by wildcard.
  if (suffix.includes('*') || !suffix.slice(1).includes('.')) return false;
  if (!wanted.endsWith(suffix)) return false;
  const label = wanted.slice(0, -suffix.length);
  return label !== '' && !label.includes('.');
}

/** An ACM certificate as discovery sees it. */
export interface DiscoveryCandidate {
  readonly arn: string;
  /** DNS names: the subject alternative names, or the domain name when there are none. */
  readonly names: readonly string[];
  /** ACM status: only `ISSUED` certificates are picked. */
  readonly status: string;
  /** `null` when ACM did not say. */
  readonly notAfter: Date | null;
}

/**
 * The certificate to serve `host` with, among ACM certificates, or `null` when none fits:
 * only `ISSUED` ones whose names cover the host; a name equal to the host wins over a
 * wildcard; then the one valid longest; then the lowest ARN, so the choice is stable.
 */
export function pickDiscoveredCertificate<C extends DiscoveryCandidate>(host: string, candidates: readonly C[]): C | null {
  const wanted = normalizeName(host);
  const fitting = candidates
    .filter((c) => c.status === 'ISSUED' && certificateCovers(c.names, host))
    .map((c) => ({ candidate: c, exact: c.names.some((n) => normalizeName(n) === wanted) }));
  fitting.sort(
    (a, b) =>
      Number(b.exact) - Number(a.exact) ||
      (b.candidate.notAfter?.getTime() ?? 0) - (a.candidate.notAfter?.getTime() ?? 0) ||
      compareStrings(a.candidate.arn, b.candidate.arn),
  );
  return fitting[0]?.candidate ?? null;
}
