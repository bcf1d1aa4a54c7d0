export * from './cluster.js';
export * from './network.js';
export * from './tags.js';
