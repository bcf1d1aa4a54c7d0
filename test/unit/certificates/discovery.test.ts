import { certificateCovers, pickDiscoveredCertificate, type DiscoveryCandidate } from '../../../src/certificates/discovery.js';

describe('certificateCovers', () => {
  it.each([
    [['shop.example.com'], 'shop.example.com', true],
    [['Shop.Example.COM'], 'shop.example.com', true],
    [['shop.example.com.'], 'SHOP.example.com', true],
    [['shop.example.com'], 'cart.example.com', false],
    // One label, exactly.
    [['*.example.com'], 'shop.example.com', true],
    [['*.example.com'], 'example.com', false],
    [['*.example.com'], 'a.shop.example.com', false],
    [['*.example.com'], 'shopexample.com', false],
    // A wildcard host needs the same wildcard name.
    [['*.example.com'], '*.example.com', true],
    [['shop.example.com'], '*.example.com', false],
    [['*.shop.example.com'], '*.example.com', false],
    // Only a whole leftmost `*` label is a wildcard.
    [['s*.example.com'], 'shop.example.com', false],
    [['shop.*.com'], 'shop.example.com', false],
    [['*.com'], 'example.com', false],
    [['a.example.com', '*.b.example.com'], 'x.b.example.com', true],
    [[], 'shop.example.com', false],
  ])('%j covers %s: %s', (names, host, expected) => {
    expect(certificateCovers(names, host)).toBe(expected);
  });
});

describe('pickDiscoveredCertificate', () => {
  const cert = (arn: string, names: string[], notAfter: string, status = 'ISSUED'): DiscoveryCandidate => ({
    arn,
    names,
    status,
    notAfter: new Date(notAfter),
  });

  it('prefers a name equal to the host over a wildcard, even one valid longer', () => {
    const exact = cert('arn:exact', ['shop.example.com'], '2027-01-01T00:00:00Z');
    const wildcard = cert('arn:wild', ['*.example.com'], '2030-01-01T00:00:00Z');
    expect(pickDiscoveredCertificate('shop.example.com', [wildcard, exact])).toBe(exact);
  });

  it('then prefers the certificate valid longest, then the lowest ARN', () => {
    const older = cert('arn:a', ['*.example.com'], '2027-01-01T00:00:00Z');
    const newer = cert('arn:b', ['*.example.com'], '2028-01-01T00:00:00Z');
    const twin = cert('arn:0', ['*.example.com'], '2028-01-01T00:00:00Z');
    expect(pickDiscoveredCertificate('shop.example.com', [older, newer])).toBe(newer);
    expect(pickDiscoveredCertificate('shop.example.com', [older, newer, twin])).toBe(twin);
  });

  it('skips certificates that are not ISSUED or do not cover the host', () => {
    const expired = cert('arn:expired', ['shop.example.com'], '2020-01-01T00:00:00Z', 'EXPIRED');
    const pending = cert('arn:pending', ['shop.example.com'], '2030-01-01T00:00:00Z', 'PENDING_VALIDATION');
    const other = cert('arn:other', ['cart.example.com'], '2030-01-01T00:00:00Z');
    expect(pickDiscoveredCertificate('shop.example.com', [expired, pending, other])).toBeNull();
    expect(pickDiscoveredCertificate('shop.example.com', [])).toBeNull();
  });
});
