export * from './execute.js';
export * from './state.js';
export * from './security-groups.js';
export * from './target-groups.js';
