/**
 * Summarises a V8 .cpuprofile: the top functions by self time and the same time grouped by package
 * (node_modules/<pkg>), Node's own modules (node:...) or our source file (apps/..., libs/...).
 *
 *   node -r ts-node/register/transpile-only bench/profile-summary.ts <file.cpuprofile> [top=15]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  /** share of the busy (non-idle) time, 0..1 */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: SelfTime[];
  groups: SelfTime[];
  /** top functions in our own code (apps/, libs/), the costs the bus can fix itself */
  own: SelfTime[];
  /** time below the innermost own-code frame of each sample: what our functions spend in libraries too */
  ownInclusive: SelfTime[];
}

/** Where a frame's code lives: a package, a Node module, one of our files, or a V8 pseudo-frame. */
export function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url;
  const ours = /\/((?:apps|libs|bench)\/.*)$/.exec(url);
  return ours ? ours[1].replace(/^.*?\/((?:apps|libs)\/)/, '$1') : url.replace(/^file:\/\//, '');
}

export function summarize(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const own = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isOwn = (n: ProfileNode) => /^(apps|libs)\//.test(groupOf(n.callFrame.url, n.callFrame.functionName));
  // A native frame (no url, e.g. better-sqlite3's `run` or a socket's `writev`) counts for the code that called it.
  const nativeOwner = (n: ProfileNode): string | undefined => {
    if (n.callFrame.url || n.callFrame.functionName.startsWith('(')) return undefined;
    for (let at = byId.get(parent.get(n.id) ?? -1); at; at = byId.get(parent.get(at.id) ?? -1)) {
      if (at.callFrame.url) return `${groupOf(at.callFrame.url, at.callFrame.functionName)} (native)`;
    }
    return undefined;
  };
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${groupOf(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;
  const group = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      return;
    }
    busy += us;
    const where = nativeOwner(node) ?? groupOf(url, functionName);
    const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    group.set(where, (group.get(where) ?? 0) + us);
    if (/^(apps|libs)\//.test(where)) own.set(key, (own.get(key) ?? 0) + us);
    for (let at: ProfileNode | undefined = node; at; at = byId.get(parent.get(at.id) ?? -1)) {
      if (isOwn(at)) {
        ownInclusive.set(label(at), (ownInclusive.get(label(at)) ?? 0) + us);
        break;
      }
    }
  });
  const rank = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: us / 1000, share: busy ? us / busy : 0 }));
  return { busyMs: busy / 1000, idleMs: idle / 1000, functions: rank(fn), groups: rank(group), own: rank(own), ownInclusive: rank(ownInclusive) };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const rows = (items: SelfTime[]) => items.map((r) => `| ${(r.share * 100).toFixed(1)} % | ${r.ms.toFixed(0)} | \`${r.name.replace(/\|/g, '\\|')}\` |`).join('\n');
  const table = (heading: string, items: SelfTime[], column = 'self ms', what = 'function  location') =>
    items.length ? [heading, '', `| share of busy | ${column} | ${what} |`, '|---:|---:|---|', rows(items), ''] : [];
  return [
    `#### ${title}: busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms`,
    '',
    ...table('Top functions by self time:', s.functions),
    ...table('Self time by package / file:', s.groups, 'self ms', 'package or file'),
    ...table('Top functions in our own code (apps/, libs/):', s.own),
    ...table('Own-code functions with everything they call in libraries (each sample counted at its innermost apps/ or libs/ frame; async continuations such as JSONata\'s are not attributed):', s.ownInclusive, 'ms'),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')), Number(top ?? 15));
  process.stdout.write(formatSummary(file, summary));
}
