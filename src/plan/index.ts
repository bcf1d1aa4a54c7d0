export * from './diff.js';
export * from './equality.js';
export * from './operations.js';
export * from './priorities.js';
export * from './describe.js';
export * from './match.js';
export * from './precedence.js';
