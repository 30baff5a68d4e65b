// Management HTTP: the public surface other layers and applications use.
export { startManagement, effectiveHostname } from './server.js';
export type { ManagementServer, RouteProvider, RouteProviderContext, StartManagementOptions } from './server.js';
export { methodRoute, sendJson, sendText, TEXTS } from './http.js';
export { evaluateChecks, healthResponse, clusterMembershipCheck, formatScalaDuration } from './health.js';
export type { HealthCheck, NamedCheck, HealthOutcome } from './health.js';
export { clusterMembersJson, memberJson, findMember, domainEventJson, selectEventTypes } from './cluster-json.js';
export { seedNodesJson, seedNodesBody } from './seed-nodes-json.js';
export type { SeedNodeJson, SeedNodesJson } from './seed-nodes-json.js';
export { createManagementClient, loadSecurity, basicAuthHeader } from './security.js';
export type { ManagementClient, ClientResponse, LoadedSecurity } from './security.js';
