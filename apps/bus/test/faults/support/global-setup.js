// Before the drills: the second RabbitMQ node is up (the script does nothing when it is), and dist/
// holds a build of the current sources (`nest build bus`, as `npm start` does), rebuilt only when
// it is missing or older than a source file.
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '../../../../..');
const main = join(root, 'dist/apps/bus/apps/bus/src/main.js');
const SOURCES = ['apps/bus/src', 'libs', 'apps/bus/tsconfig.app.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.ts') || path.endsWith('.json') ? stat.mtimeMs : 0;
  return readdirSync(path).reduce((max, name) => (name === 'node_modules' ? max : Math.max(max, newest(join(path, name)))), 0);
}

module.exports = async () => {
  execFileSync('bash', [join(root, 'scripts/ci/start-fault-broker.sh')], { stdio: 'inherit' });
  const sources = Math.max(...SOURCES.map((p) => join(root, p)).filter(existsSync).map(newest));
  if (!existsSync(main) || statSync(main).mtimeMs < sources) {
    process.stdout.write('\nfault drills: building the bus (nest build bus)\n');
    execFileSync('npx', ['nest', 'build', 'bus'], { cwd: root, stdio: 'inherit' });
  }
};
