export * from './annotations.js';
export * from './backend-annotations.js';
export * from './class.js';
export * from './errors.js';
export * from './group.js';
export * from './input.js';
export * from './params.js';
