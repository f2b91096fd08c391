export * from './adapter';
export * from './adapter.errors';
export * from './codecs';
export * from './mapping';
export { ADAPTERS, findAdapter } from './adapters.registry';
export { validateAdapterConfig, type AdapterConfigValidation, type ConfigProblem } from './adapter-config.validator';
export { IsRecordOf, IsStringRecord, flattenValidationErrors } from './config-validators';
export { HttpBatchConfig, HttpInboundConfig, HttpOutboundConfig, HttpQueryConfig } from './http/http.config';
export { Secret, secretSettingsOf, redactSecrets, redactUrlCredentials, REDACTED, type SecretKind } from './secret';
