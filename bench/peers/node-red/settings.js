/**
 * Node-RED settings for the benchmark peer (bench/README.md, "Peers"). The harness starts
 * `node-red --settings bench/peers/node-red/settings.js --userDir <temp dir>` with the flow's
 * environment (AMQP_URL, BENCH_*); the temp dir links this folder's package.json and node_modules,
 * so the function nodes' `amqplib` is the pinned one installed here and nothing is fetched at run time.
 */
const path = require('node:path');

module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),
  flowFile: path.join(__dirname, 'flows.json'),
  flowFilePretty: true,
  credentialSecret: false,
  // No editor and no admin API: only the flow's own HTTP endpoints are served, as in production.
  httpAdminRoot: false,
  disableEditor: true,
  httpNodeRoot: '/',
  apiMaxLength: '5mb',
  // Function nodes load amqplib (and node:crypto) through the node's "Setup" modules list.
  functionExternalModules: true,
  externalModules: { autoInstall: false, modules: { allowInstall: false } },
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  contextStorage: { default: { module: 'memory' } },
  exportGlobalContextKeys: false,
  diagnostics: { enabled: false },
  runtimeState: { enabled: false },
  telemetry: { enabled: false },
};
