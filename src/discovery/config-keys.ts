// The keys of service discovery (pekko.discovery, the async DNS resolver) whose types are checked once
// after loading (see config/validate.ts); the layer's settings reader does the finer checks.
import type { KeyTable } from '../config/validate.js';

const P = 'pekko';
const K8S = `${P}.discovery.kubernetes-api`;
const DNS = `${P}.io.dns.async-dns`;

export const DISCOVERY_KEYS: KeyTable = [
  [`${P}.discovery.method`, 'string'],
  [`${P}.discovery.config.services-path`, 'string'],
  [`${P}.discovery.aggregate.discovery-methods`, 'string-list'],
  [`${K8S}.api-ca-path`, 'string'],
  [`${K8S}.api-token-path`, 'string'],
  [`${K8S}.api-service-host-env-name`, 'string'],
  [`${K8S}.api-service-port-env-name`, 'string'],
  [`${K8S}.pod-namespace-path`, 'string'],
  [`${K8S}.pod-namespace`, 'string'],
  [`${K8S}.pod-domain`, 'string'],
  [`${K8S}.pod-label-selector`, 'string'],
  [`${K8S}.use-raw-ip`, 'boolean'],
  [`${K8S}.container-name`, 'string'],
  [`${DNS}.resolve-timeout`, 'duration'],
  [`${DNS}.cache-cleanup-interval`, 'duration'],
];
