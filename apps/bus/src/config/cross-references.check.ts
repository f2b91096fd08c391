import * as path from 'node:path';
import { MappingLoadError, type SystemMapping } from '@bus/adapters';
import { RouteTable } from '../routing/route-table';
import { RouteExpression } from '../routing/route-expression';
import { isTypePattern, matchesType } from '../routing/type-pattern';
import type { SystemRuntime } from './active-config';
import type { BusConfig, RouteConfig } from './bus-config.schema';
import type { ConfigLoaderDeps } from './bus-config.deps';
import type { ConfigProblem } from './config.errors';
import { formatPath } from './config-path';
import { unknownName } from './closest-name';
import type { CheckedSystem } from './system-settings.check';
import type { ProcessorConfig } from '../processors/processor.config';
import { checkProcessorDestination } from '../processors/processor-routes.check';

/**
 * Layer 4: mapping folders load, route and query names point at systems that exist, and every
 * destination can take what its routes send (direction, outbound settings, a mapping per type).
 */
export async function checkCrossReferences(
  config: BusConfig,
  file: string,
  checked: ReadonlyMap<string, CheckedSystem>,
  deps: ConfigLoaderDeps,
): Promise<{ systems: Map<string, SystemRuntime>; routeTable: RouteTable; problems: ConfigProblem[] }> {
  const problems: ConfigProblem[] = [];
  const systems = new Map<string, SystemRuntime>();
  const mappingProblems = await Promise.all(
    [...checked.values()].map(async (s) => {
      const section = config.systems[s.name];
      const found: ConfigProblem[] = [];
      const mapping = s.mapper ? s.mapper() : await loadFolder(path.resolve(path.dirname(file), section.mapping!), s.name, deps, found);
      const dedupKey = section.dedupKey === undefined ? undefined : RouteExpression.compile(section.dedupKey);
      if (typeof dedupKey === 'string') found.push({ path: formatPath(['systems', s.name, 'dedupKey']), message: `${dedupKey} (a JSONata expression over the canonical message, e.g. payload.usageId)` });
      if (!mapping || typeof dedupKey === 'string') return found;
      systems.set(s.name, {
        name: s.name,
        adapter: s.adapter,
        codec: s.codec,
        codecOptions: section.codecOptions,
        mapping,
        inbound: s.inbound,
        outbound: s.outbound,
        xref: section.xref,
        ...(dedupKey ? { dedupKey } : {}),
        config: section,
      });
      return found;
    }),
  );
  problems.push(...mappingProblems.flat());
  // Keep the file's order: the admin API lists systems as the integrator wrote them.
  const ordered = new Map([...Object.keys(config.systems)].filter((n) => systems.has(n)).map((n) => [n, systems.get(n)!] as const));

  const { table, problems: expressionProblems } = RouteTable.compile(config.routes, config.queries);
  problems.push(...expressionProblems);
  const known = Object.keys(config.systems);
  const processors = config.processors ?? {};
  config.routes.forEach((route, i) => problems.push(...checkRoute(route, i, known, ordered, processors)));
  config.queries.forEach((query, i) => {
    const at = formatPath(['queries', i, 'answeredBy']);
    if (!known.includes(query.answeredBy)) return problems.push({ path: at, message: unknownName('system', query.answeredBy, known) });
    const system = ordered.get(query.answeredBy);
    if (!system) return;
    if (!system.adapter.capabilities.query) {
      return problems.push({ path: at, message: `"${system.name}" cannot answer queries: adapter ${system.adapter.id} has no query capability` });
    }
    if (!system.outbound) {
      problems.push({ path: at, message: `"${system.name}" has no outbound settings to ask it with; add systems.${system.name}.outbound` });
    }
    if (!system.mapping.answers.some((p) => matchesType(p, query.type))) {
      problems.push({
        path: formatPath(['queries', i]),
        message: `"${system.name}" has no answer mapping for ${query.type} (answers: ${list(system.mapping.answers)}); add answers/${query.type}.request.jsonata and answers/${query.type}.response.jsonata to its mapping`,
      });
    }
  });
  return { systems: ordered, routeTable: table, problems };
}

async function loadFolder(dir: string, system: string, deps: ConfigLoaderDeps, problems: ConfigProblem[]): Promise<SystemMapping | undefined> {
  const at = formatPath(['systems', system, 'mapping']);
  try {
    return await deps.loadMapping(dir, { system });
  } catch (e) {
    if (e instanceof MappingLoadError) {
      for (const p of e.problems) problems.push({ path: at, message: `${p.file}${p.location ? ` (${p.location})` : ''}: ${p.message}` });
    } else {
      problems.push({ path: at, message: `cannot load ${dir}: ${(e as Error).message}` });
    }
    return undefined;
  }
}

function checkRoute(route: RouteConfig, i: number, systemNames: string[], systems: ReadonlyMap<string, SystemRuntime>, processors: Record<string, ProcessorConfig>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // A processor is a source (of what it emits) and a destination, like a system.
  const known = [...systemNames, ...Object.keys(processors)];
  if (route.from !== undefined && !known.includes(route.from)) {
    problems.push({ path: formatPath(['routes', i, 'from']), message: unknownName('system', route.from, known) });
  }
  const concreteTypes = route.types.filter((t) => !isTypePattern(t));
  route.to.forEach((destination, j) => {
    const at = formatPath(['routes', i, 'to', j]);
    if (!known.includes(destination.system)) return problems.push({ path: at, message: unknownName('system', destination.system, known) });
    const processor = processors[destination.system];
    if (processor) return problems.push(...checkProcessorDestination(route, i, j, destination.system, processor));
    const system = systems.get(destination.system);
    if (!system) return; // its mapping failed to load; already reported
    if (!system.adapter.capabilities.outbound) {
      return problems.push({ path: at, message: `"${system.name}" cannot receive messages: adapter ${system.adapter.id} is inbound only` });
    }
    if (!system.outbound) {
      return problems.push({ path: at, message: `"${system.name}" has no outbound settings; add systems.${system.name}.outbound` });
    }
    // Patterns are skipped: which concrete types they will carry is only known at run time.
    for (const type of concreteTypes) {
      if (!system.mapping.outboundTypes.some((p) => matchesType(p, type))) {
        problems.push({ path: formatPath(['routes', i]), message: `"${system.name}" does not accept ${type} (consumes: ${list(system.mapping.outboundTypes)})` });
      }
    }
  });
  return problems;
}

const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'nothing');
