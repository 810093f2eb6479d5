export * from './ai-inference-pod';
export * from './inference-server';
export * from './gpu';
export * from './probes';
export * from './resources';
export * from './security';
export * from './quantity';
export { WARNINGS_AS_ERRORS_CONTEXT } from './_kplus-adapter';
