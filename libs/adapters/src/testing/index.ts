export { runAdapterConformance, silentAdapterContext, type AdapterConformanceOptions } from './adapter-conformance';
export { closedPort, startHttpTestServer, type HttpTestServer, type RecordedRequest, type TestHandler } from './http-test-server';
