export * from './clients.js';
export * from './retry.js';
export * from './pagination.js';
export * from './elbv2-shapes.js';
