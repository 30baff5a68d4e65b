// Cluster Bootstrap: public surface for the runtime and for applications that wire it themselves.
export { startBootstrap, type BootstrapHandle, type StartBootstrapOptions } from './start.js';
export { BootstrapCoordinator, type BootstrapStatus, type BootstrapPhase, type Prober } from './coordinator.js';
export { createHttpProber, ProbeError, type HttpProberOptions } from './http-prober.js';
export { bootstrapRoutes, type BootstrapRoutesOptions } from './routes.js';
export { decide, type JoinDecision, type SeedNodesInformation, type SeedNodesObservation } from './decider.js';
export { matchesSelf, probeUrl, selectHosts, type SelfContactPoint } from './contact-points.js';
export { parseSeedNodesJson, SeedNodesFormatError, type SeedNodesDocument } from './seed-nodes.js';
