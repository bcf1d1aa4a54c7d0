export * from './ids.js';
export * from './resources.js';
export * from './errors.js';
export * from './actual.js';
