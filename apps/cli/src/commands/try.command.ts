import { readFile } from 'node:fs/promises';
import { traceNative } from '../../../bus/src/config/message-trace';
import { loadConfigOffline } from '../../../bus/src/config/offline-config';
import { Exit, UsageError, type CommandResult } from '../cli.types';

/**
 * `bpi-bus try <system> <file> [--config dir]`: one native message through decode, map,
 * validate, route and each destination's mapping and codec, every stage printed; nothing is sent.
 */
export async function tryMessage(system: string | undefined, file: string | undefined, dir = 'config'): Promise<CommandResult> {
  if (!system || !file) throw new UsageError('try needs a system and a file: bpi-bus try crm sample.json');
  const body = await readFile(file).catch((err: Error) => {
    throw new UsageError(`cannot read ${file}: ${err.message}`);
  });
  const config = await loadConfigOffline(dir);
  const trace = await traceNative(config, system, body);
  const text: string[] = [];
  for (const s of trace.stages) {
    text.push(`${s.ok ? 'ok  ' : 'FAIL'} ${s.stage}${s.error ? `: ${s.error}` : ''}`);
    if (s.ok && (s.stage === 'decode' || s.stage === 'map')) text.push(indent(JSON.stringify(s.detail, null, 2)));
  }
  for (const m of trace.messages) {
    text.push(`${m.type} -> ${m.recipients.length ? m.recipients.join(', ') : 'no recipient (the bus parks it as unrouted)'}`);
    for (const o of m.outputs) text.push(`  ${o.destination} (route ${o.route})${o.ok ? ` ${o.contentType ?? ''}` : ` FAILED: ${o.error}`}`, ...(o.body ? [indent(o.body, 4)] : []));
  }
  return { exitCode: trace.ok ? Exit.OK : Exit.PROBLEMS, json: { system, file, version: config.version, ...trace }, text };
}

const indent = (text: string, n = 2) => text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
