// The keys of cluster bootstrap (pekko.management.cluster.bootstrap) and muster.bootstrap.* whose
// types are checked once after loading (see config/validate.ts); the layer's settings reader does the
// finer checks.
import type { KeyTable } from '../config/validate.js';

const P = 'pekko';
const MGMT = `${P}.management`;
const BOOT = `${MGMT}.cluster.bootstrap`;
const CPD = `${BOOT}.contact-point-discovery`;
const CP = `${BOOT}.contact-point`;

export const BOOTSTRAP_KEYS: KeyTable = [
  ['muster.bootstrap.deadline', 'duration-or-off'],
  ['muster.bootstrap.kubernetes.pod-name', 'string'],
  [`${BOOT}.new-cluster-enabled`, 'boolean'],
  [`${CPD}.service-name`, 'string'],
  [`${CPD}.port-name`, 'string'],
  [`${CPD}.protocol`, 'string'],
  [`${CPD}.service-namespace`, 'string'],
  [`${CPD}.effective-name`, 'string'],
  [`${CPD}.discovery-method`, 'string'],
  [`${CPD}.stable-margin`, 'duration'],
  [`${CPD}.interval`, 'duration'],
  [`${CPD}.exponential-backoff-random-factor`, 'number'],
  [`${CPD}.exponential-backoff-max`, 'duration'],
  [`${CPD}.required-contact-point-nr`, 'int'],
  [`${CPD}.resolve-timeout`, 'duration'],
  [`${CPD}.contact-with-all-contact-points`, 'boolean'],
  [`${CP}.fallback-port`, 'string'],
  [`${CP}.filter-on-fallback-port`, 'boolean'],
  [`${CP}.probing-failure-timeout`, 'duration'],
  [`${CP}.probe-interval`, 'duration'],
  [`${CP}.probe-interval-jitter`, 'number'],
  [`${CP}.http-client.ca-path`, 'string'],
  [`${CP}.http-client.tls-version`, 'string'],
  [`${BOOT}.join-decider.class`, 'string'],
];
