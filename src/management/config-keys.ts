// The keys of management HTTP (pekko.management.http, health checks) and muster.management.* whose
// types are checked once after loading (see config/validate.ts); the layer's settings reader does the
// finer checks.
import type { KeyTable } from '../config/validate.js';

const P = 'pekko';
const MGMT = `${P}.management`;

export const MANAGEMENT_KEYS: KeyTable = [
  ['muster.management.https.enabled', 'boolean'],
  ['muster.management.https.cert-file', 'string'],
  ['muster.management.https.key-file', 'string'],
  ['muster.management.https.ca-file', 'string'],
  ['muster.management.basic-auth.username', 'string'],
  ['muster.management.basic-auth.password-file', 'string'],
  ['muster.management.dashboard.enabled', 'boolean'],
  ['muster.management.cluster-members.app-version', 'boolean'],
  [`${MGMT}.http.hostname`, 'string'],
  [`${MGMT}.http.port`, 'port'],
  [`${MGMT}.http.bind-hostname`, 'string'],
  [`${MGMT}.http.bind-port`, 'string'],
  [`${MGMT}.http.base-path`, 'string'],
  [`${MGMT}.http.routes`, 'object'],
  [`${MGMT}.http.route-providers-read-only`, 'boolean'],
  [`${MGMT}.http.graceful-termination-timeout`, 'duration'],
  [`${MGMT}.health-checks.startup-path`, 'string'],
  [`${MGMT}.health-checks.readiness-path`, 'string'],
  [`${MGMT}.health-checks.liveness-path`, 'string'],
  [`${MGMT}.health-checks.check-timeout`, 'duration'],
  [`${MGMT}.health-checks.startup-checks`, 'object'],
  [`${MGMT}.health-checks.readiness-checks`, 'object'],
  [`${MGMT}.health-checks.liveness-checks`, 'object'],
  [`${MGMT}.cluster.health-check.ready-states`, 'string-list'],
];
