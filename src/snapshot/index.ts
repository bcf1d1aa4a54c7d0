export * from './snapshot.js';
export * from './files.js';
