import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

export const ROOT = path.resolve(__dirname, '..', '..');
/** Git-ignored; node_modules of the repo resolve from here. */
export const RESULTS = path.join(ROOT, 'bench-results');
const BENCH_BUILD = path.join(RESULTS, 'build', 'bench');
const BUS_BUILD = path.join(RESULTS, 'build', 'bus');

/**
 * Compiles the bench's child scripts (sink, baseline, profiler) to plain JavaScript, so the processes
 * that are measured carry no TypeScript compiler in memory. Returns the path of a compiled file.
 */
export function compileBench(): (relative: string) => string {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? (e.name === 'config' || e.name === 'node_modules' ? [] : walk(path.join(dir, e.name))) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
  for (const file of walk(path.join(ROOT, 'bench'))) {
    const out = path.join(BENCH_BUILD, path.relative(path.join(ROOT, 'bench'), file)).replace(/\.ts$/, '.js');
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    }).outputText;
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, js);
  }
  return (relative) => path.join(BENCH_BUILD, relative.replace(/\.ts$/, '.js'));
}

/** How to start the compiled bus: node arguments (before the entry's own) and environment. */
export interface BusLaunch {
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  describe: string;
}

/**
 * Builds the bus with tsc into bench-results/build/bus (not dist/, so a bench never races another
 * build of dist/), or uses a given entry such as dist/apps/bus/apps/bus/src/main.js from `nest build bus`.
 * The private build resolves the `@bus/*` paths at run time with tsconfig-paths.
 */
export function buildBus(options: { entry?: string; skipBuild?: boolean; log: (s: string) => void }): BusLaunch {
  if (options.entry) {
    const entry = path.resolve(ROOT, options.entry);
    if (!existsSync(entry)) throw new Error(`bus entry ${entry} does not exist; build it first (npx nest build bus)`);
    return { nodeArgs: [entry], env: {}, describe: path.relative(ROOT, entry) };
  }
  const entry = path.join(BUS_BUILD, 'apps', 'bus', 'src', 'main.js');
  if (!options.skipBuild || !existsSync(entry)) {
    options.log('building the bus (tsc -p apps/bus/tsconfig.app.json) into bench-results/build/bus ...');
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'apps/bus/tsconfig.app.json', '--outDir', BUS_BUILD], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    } catch (err: any) {
      // tsc still emits on type errors; whether the bus runs is decided by its readiness check.
      const text = String(err.stdout ?? '') + String(err.stderr ?? '');
      options.log(`warning: the bus has ${(text.match(/error TS/g) ?? []).length} type errors; running what tsc emitted\n${text.split('\n').slice(0, 8).join('\n')}`);
    }
  }
  return {
    nodeArgs: ['-r', require.resolve('tsconfig-paths/register'), entry],
    env: { TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), TS_NODE_BASEURL: BUS_BUILD },
    describe: 'tsc build of apps/bus (bench-results/build/bus)',
  };
}
