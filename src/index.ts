// Muster's library entry point: start a node with `start()`, then use its ClusterApi.
export { start, type MusterNode, type StartOptions, type HealthChecks } from './runtime.js';
export * from './address.js';
export type * from './cluster/api.js';
export { Reasons, type ShutdownReason, type ShutdownResult } from './cluster/coordinated-shutdown.js';
export type { Lease } from './cluster/sbr/lease.js';
export type { ClusterPlugin } from './cluster/plugin.js';
export { loadConfig, configFromObject, type LoadOptions } from './config/load.js';
export { ConfigError, type Config, type Origin } from './config/types.js';
export type * from './discovery/types.js';
export { DiscoveryRegistry, createDiscovery } from './discovery/registry.js';
export * from './discovery/errors.js';
export type { NamedCheck, HealthCheck } from './management/health.js';
export type { BootstrapStatus } from './bootstrap/coordinator.js';
export { startManagement, type RouteProvider, type ManagementServer } from './management/index.js';
export { createMetrics, defaultMetrics, Metrics } from './metrics.js';
export { stringifyWithBigInt, parseWithBigInt } from './json.js';
export { methodRoute, sendJson, sendText } from './management/http.js';
export type { CheckImplementation, RouteImplementation, Registrations } from './management/configured.js';
