export * from './translate.js';
export * from './stack.js';
export * from './conditions.js';
export * from './paths.js';
export * from './names.js';
