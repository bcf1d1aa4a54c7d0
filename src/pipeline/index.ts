export * from './reconcile.js';
export * from './cluster.js';
