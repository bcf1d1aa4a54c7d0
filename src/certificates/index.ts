export * from './secret.js';
export * from './discovery.js';
export * from './imports.js';
export * from './acm.js';
