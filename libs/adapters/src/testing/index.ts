export { runAdapterConformance, silentAdapterContext, type AdapterConformanceOptions } from './adapter-conformance';
export { threadsNamed } from './thread-names';
export { closedPort, startHttpTestServer, type HttpTestServer, type RecordedRequest, type TestHandler } from './http-test-server';
