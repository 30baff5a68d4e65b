// Pekko Management's rolling-update-kubernetes module: pod-deletion-cost annotations and the
// app-version from the Deployment revision, started from configuration by the runtime.
export { readRollingUpdateSettings, resolveNamespace, type RollingUpdateSettings } from './settings.js';
export { podDeletionCost, POD_DELETION_COST_ANNOTATION } from './cost.js';
export { PodDeletionCostAnnotator, podPatchRole } from './pod-deletion-cost.js';
export { appVersionFromRevision } from './app-version.js';
export { createRollingUpdateApi, KubernetesStatusError, type RollingUpdateApi } from './kubernetes-client.js';
