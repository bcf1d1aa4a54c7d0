// The TLS security policy of HTTPS listeners when the `ssl-policy` annotation names none.
// Left unset, the API falls back to ELBSecurityPolicy-2016-08, which still accepts TLS 1.0
// and 1.1; that fallback is why listeners always name a policy. The value lives in the model
// so that translate (which must not import this stage) sets it.
import { defaultSslPolicy } from '../model/resources.js';

export const DEFAULT_SSL_POLICY = defaultSslPolicy;
