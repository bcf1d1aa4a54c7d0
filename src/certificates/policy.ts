// The TLS security policy of HTTPS listeners when the `ssl-policy` annotation names none.

/**
 * TLS 1.3, and TLS 1.2 for clients without 1.3: the policy AWS recommends for general use.
 * Left unset, the API falls back to ELBSecurityPolicy-2016-08, which still accepts TLS 1.0
 * and 1.1; that fallback is why listeners always name a policy.
 */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
