// The keys of Pekko's rolling-update module (pekko.rollingupdate.kubernetes) and
// muster.rollingupdate.* whose types are checked once after loading (see config/validate.ts); the
// layer's settings reader does the finer checks.
import type { KeyTable } from '../config/validate.js';

const P = 'pekko';
const RU = `${P}.rollingupdate.kubernetes`;

export const ROLLING_UPDATE_KEYS: KeyTable = [
  ['muster.rollingupdate.pod-deletion-cost.enabled', 'boolean'],
  ['muster.rollingupdate.app-version-from-revision', 'boolean'],
  [`${RU}.api-ca-path`, 'string'],
  [`${RU}.api-token-path`, 'string'],
  [`${RU}.api-service-host`, 'string'],
  [`${RU}.api-service-port`, 'port'],
  [`${RU}.api-service-request-timeout`, 'duration'],
  [`${RU}.namespace-path`, 'string'],
  [`${RU}.namespace`, 'string'],
  [`${RU}.pod-name`, 'string'],
  [`${RU}.secure-api-server`, 'boolean'],
  [`${RU}.pod-deletion-cost.annotated-pods-nr`, 'int'],
  [`${RU}.pod-deletion-cost.retry-delay`, 'duration'],
  [`${RU}.custom-resource.enabled`, 'boolean'],
];
