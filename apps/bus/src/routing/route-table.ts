import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { QueryConfig, RouteConfig } from '../config/bus-config.schema';
import type { ConfigProblem } from '../config/config.errors';
import { formatPath } from '../config/config-path';
import { RouteExpression } from './route-expression';
import { isTypePattern, typeMatcher } from './type-pattern';

/** One destination a message goes to. */
export interface RouteMatch {
  destination: string;
  /** The first route (in config order) that sends the message there; it decides the transform. */
  route: string;
  /** Every route that sends the message there. */
  routes: string[];
  /** That first route's transform for this destination, if it has one. */
  transform?: RouteExpression;
}

/** A route whose `when` failed at run time; it counted as no match. */
export interface ConditionError {
  route: string;
  message: string;
}

export interface RouteResult {
  matches: RouteMatch[];
  conditionErrors: ConditionError[];
}

/** What routing reads: the type, the source and whatever `when` conditions look at. */
export interface RoutableMessage {
  type: string;
  source: string;
  [field: string]: unknown;
}

/** Where request-reply queries of one type go. */
export interface QueryRoute {
  type: string;
  answeredBy: string;
  timeoutMs: number;
}

interface CompiledRoute {
  index: number;
  name: string;
  from?: string;
  when?: RouteExpression;
  /** Pattern matchers of the route's wildcard types only; its exact types sit in the index. */
  patterns: ((type: string) => boolean)[];
  destinations: { system: string; transform?: RouteExpression }[];
}

/** Sources are indexed too; the empty string stands for "any source". */
const ANY = '';
const key = (source: string, type: string) => `${source}\u0000${type}`;
/** Bounded so a stream of distinct junk types cannot grow the cache without end. */
const CANDIDATE_CACHE_LIMIT = 10_000;

/**
 * The compiled `routes:` and `queries:` of one config version. Pure: no I/O, no clock.
 *
 * Exact types are looked up by (source, type) in a Map and the candidate list of each
 * (source, type) pair is cached, so 1,000 routes cost about what one does; only `when`
 * conditions are evaluated per message.
 */
export class RouteTable {
  private readonly exact = new Map<string, CompiledRoute[]>();
  private readonly patterned = new Map<string, CompiledRoute[]>();
  /** source -> type -> candidates; nested so a lookup allocates no key string. */
  private readonly candidateCache = new Map<string, Map<string, readonly CompiledRoute[]>>();
  private cachedPairs = 0;
  private readonly transforms = new Map<string, RouteExpression>();
  private readonly queryRoutes = new Map<string, QueryRoute>();

  private constructor(
    readonly routes: readonly RouteConfig[],
    readonly queries: readonly QueryConfig[],
  ) {}

  /** Compiles every route; expression syntax errors come back as problems with their path. */
  static compile(routes: readonly RouteConfig[], queries: readonly QueryConfig[] = []): { table: RouteTable; problems: ConfigProblem[] } {
    const table = new RouteTable(routes, queries);
    const problems: ConfigProblem[] = [];
    const compile = (source: string | undefined, path: (string | number)[]) => {
      if (source === undefined) return undefined;
      const result = RouteExpression.compile(source);
      if (typeof result === 'string') problems.push({ path: formatPath(path), message: result });
      return typeof result === 'string' ? undefined : result;
    };
    routes.forEach((route, index) => {
      const compiled: CompiledRoute = {
        index,
        name: route.name,
        from: route.from,
        when: compile(route.when, ['routes', index, 'when']),
        patterns: route.types.filter(isTypePattern).map(typeMatcher),
        destinations: route.to.map((d, i) => ({ system: d.system, transform: compile(d.transform, ['routes', index, 'to', i, 'transform']) })),
      };
      for (const d of compiled.destinations) {
        const k = key(route.name, d.system);
        if (d.transform && !table.transforms.has(k)) table.transforms.set(k, d.transform);
      }
      const source = route.from ?? ANY;
      for (const type of new Set(route.types.filter((t) => !isTypePattern(t)))) push(table.exact, key(source, type), compiled);
      if (compiled.patterns.length) push(table.patterned, source, compiled);
    });
    for (const q of queries) table.queryRoutes.set(q.type, { type: q.type, answeredBy: q.answeredBy, timeoutMs: q.timeoutMs });
    return { table, problems };
  }

  /**
   * Destinations for one envelope, one entry per destination system. A message never goes back
   * to the system it came from unless the route names that system in `from` as well.
   */
  async match(envelope: CanonicalEnvelope | RoutableMessage): Promise<RouteResult> {
    const byDestination = new Map<string, RouteMatch>();
    const conditionErrors: ConditionError[] = [];
    for (const route of this.candidates(envelope.source, envelope.type)) {
      if (route.when) {
        try {
          if (!(await route.when.test(envelope))) continue;
        } catch (e) {
          conditionErrors.push({ route: route.name, message: (e as Error).message });
          continue;
        }
      }
      for (const d of route.destinations) {
        if (d.system === envelope.source && route.from !== envelope.source) continue;
        const existing = byDestination.get(d.system);
        if (existing) {
          if (!existing.routes.includes(route.name)) existing.routes.push(route.name);
        } else {
          byDestination.set(d.system, { destination: d.system, route: route.name, routes: [route.name], ...(d.transform ? { transform: d.transform } : {}) });
        }
      }
    }
    return { matches: [...byDestination.values()], conditionErrors };
  }

  /** The transform a route applies for a destination (the delivery side looks it up by the names in the message headers). */
  transformFor(routeName: string, destination: string): RouteExpression | undefined {
    return this.transforms.get(key(routeName, destination));
  }

  /** Who answers a query type, or undefined when no query route exists. */
  queryRoute(type: string): QueryRoute | undefined {
    return this.queryRoutes.get(type);
  }

  /** Routes that may apply to (source, type) before conditions, in config order. */
  private candidates(source: string, type: string): readonly CompiledRoute[] {
    const cached = this.candidateCache.get(source)?.get(type);
    if (cached) return cached;
    const found = new Set<CompiledRoute>([...(this.exact.get(key(ANY, type)) ?? []), ...(this.exact.get(key(source, type)) ?? [])]);
    for (const route of [...(this.patterned.get(ANY) ?? []), ...(source === ANY ? [] : (this.patterned.get(source) ?? []))]) {
      if (route.patterns.some((m) => m(type))) found.add(route);
    }
    const list = [...found].sort((a, b) => a.index - b.index);
    if (this.cachedPairs >= CANDIDATE_CACHE_LIMIT) {
      this.candidateCache.clear();
      this.cachedPairs = 0;
    }
    let byType = this.candidateCache.get(source);
    if (!byType) this.candidateCache.set(source, (byType = new Map()));
    byType.set(type, list);
    this.cachedPairs++;
    return list;
  }
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V) {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}
