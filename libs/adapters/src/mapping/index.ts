export type { MappingBindings, QueryErrorInfo, SystemMapping } from './mapping';
export { loadJsonataMapping, type JsonataMappingOptions } from './jsonata-mapping';
export { MappingLoadError, type MappingProblem } from './mapping.errors';
export { MAPPERS, findMapper } from './mappers';
export { withFastPath, type JsonataEvaluator } from './jsonata-fast';
