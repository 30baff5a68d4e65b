// Muster's library entry point. Re-exports the public API of each layer.
export * from './address.js';
export type * from './cluster/api.js';
export type * from './config/types.js';
export type * from './discovery/types.js';
