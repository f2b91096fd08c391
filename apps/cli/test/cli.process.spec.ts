import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { copyConfig } from './config-copy';

const ROOT = path.resolve(__dirname, '../../..');
/** What npm links as `bpi-bus`: a launcher of the CLI the bus's build compiles. */
const LAUNCHER = path.join(ROOT, require(path.join(ROOT, 'package.json')).bin['bpi-bus'] as string);
const BUILT = path.join(ROOT, 'dist/apps/bus/apps/cli/src/main.js');

/** The package's bin when `npm run build` ran (CI builds first), else the same entry through ts-node. */
const command = existsSync(BUILT)
  ? { file: LAUNCHER, args: [] as string[] }
  : { file: process.execPath, args: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', path.join(ROOT, 'apps/cli/src/main.ts')] };

function bpiBus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command.file, [...command.args, ...args], { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('bpi-bus as a process', () => {
  it('should exit 0 on the repo config', async () => {
    const sut = await bpiBus('check', 'config');

    expect(sut.stderr).toBe('');
    expect(sut.code).toBe(0);
    expect(sut.stdout).toMatch(/bus\.yaml: ok \(version [0-9a-f]{12}\)/);
  });

  it('should exit 1 on a broken copy, printing each problem with its path, and answer JSON with --json', async () => {
    const copy = await copyConfig();
    await copy.edit('bus.yaml', (t) => t.replace('to: [erp]', 'to: [erpp]'));

    const text = await bpiBus('check', copy.dir);
    const json = await bpiBus('check', copy.dir, '--json');

    expect(text.code).toBe(1);
    expect(text.stdout).toContain('routes[0].to[0]: unknown system "erpp"');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual(expect.objectContaining({ ok: false, problems: [expect.objectContaining({ path: 'routes[0].to[0]' })] }));
  });

  it('should exit 2 with the usage on an unknown command', async () => {
    const sut = await bpiBus('frobnicate');

    expect(sut.code).toBe(2);
    expect(sut.stdout).toContain('Usage: bpi-bus <command>');
  });

  it('should exit 3 when the bus cannot be reached', async () => {
    const sut = await bpiBus('history', '--url', 'http://127.0.0.1:9');

    expect(sut.code).toBe(3);
    expect(sut.stdout).toContain('cannot be reached');
  });
});
