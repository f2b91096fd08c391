/**
 * Summarises a V8 sampling heap profile (`--alloc`, written as <pipeline>-<scenario>.heapprofile next to the
 * CPU profile): where the bytes the collector has to deal with were allocated, by function and by package or
 * file, counting objects collected since as well as those still alive.
 *
 *   node -r ts-node/register/transpile-only bench/alloc-summary.ts <file.heapprofile> [top=15]
 */
import { readFileSync } from 'node:fs';
import { groupOf } from './profile-summary';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: HeapNode[];
}

export interface AllocationSummary {
  totalMb: number;
  functions: { name: string; mb: number; share: number }[];
  groups: { name: string; mb: number; share: number }[];
}

export function summarizeAllocations(profile: { head: HeapNode }, top = 15): AllocationSummary {
  const fn = new Map<string, number>();
  const group = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    if (node.selfSize > 0) {
      const where = groupOf(url, functionName);
      const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
      fn.set(key, (fn.get(key) ?? 0) + node.selfSize);
      group.set(where, (group.get(where) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(profile.head);
  const rank = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, bytes]) => ({ name, mb: bytes / 1e6, share: total ? bytes / total : 0 }));
  return { totalMb: total / 1e6, functions: rank(fn), groups: rank(group) };
}

export function formatAllocations(title: string, s: AllocationSummary): string {
  const table = (heading: string, items: AllocationSummary['functions'], what: string) => [
    heading,
    '',
    `| share | sampled MB | ${what} |`,
    '|---:|---:|---|',
    ...items.map((r) => `| ${(r.share * 100).toFixed(1)} % | ${r.mb.toFixed(1)} | \`${r.name.replace(/\|/g, '\\|')}\` |`),
    '',
  ];
  return [
    `#### ${title}: allocations, ${s.totalMb.toFixed(0)} MB sampled`,
    '',
    ...table('Top functions by bytes allocated:', s.functions, 'function  location'),
    ...table('Bytes allocated by package / file:', s.groups, 'package or file'),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: alloc-summary.ts <file.heapprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatAllocations(file, summarizeAllocations(JSON.parse(readFileSync(file, 'utf8')), Number(top ?? 15))));
}
