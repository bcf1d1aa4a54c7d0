// One Gateway -> its DesiredStack and status draft. Pure: no I/O; bad input becomes errors
// and status conditions, never a throw.
import type { GroupTranslation, TranslateOptions } from '../translate/translate.js';
import { GatewayKey } from './keys.js';
import type { GatewaySource } from './source.js';
import type { GatewayStatusDraft } from './status.js';

export interface GatewayTranslation extends GroupTranslation {
  /** `null` when the Gateway is not in the view, not ours, or being deleted. */
  readonly status: GatewayStatusDraft | null;
}

export function translateGateway(source: GatewaySource, key: string, options: TranslateOptions): GatewayTranslation {
  void source;
  void options;
  if (GatewayKey.parse(key) === undefined) return { group: key, members: [], stack: null, errors: [], warnings: [], status: null };
  return { group: key, members: [], stack: null, errors: [], warnings: [], status: null };
}
