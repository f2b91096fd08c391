export * from './adapter';
export * from './adapter.errors';
export * from './codecs';
export * from './mapping';
export { ADAPTERS, findAdapter } from './adapters.registry';
