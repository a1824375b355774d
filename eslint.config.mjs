// The ESLint config lives in lint/config.mjs, beside its own node_modules (see lint/package.json).
export { default } from './lint/config.mjs';
