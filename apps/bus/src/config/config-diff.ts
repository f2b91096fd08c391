import { MESSAGE_TYPES } from '@bus/canonical-model';
import type { ActiveConfig } from './active-config';
import type { RouteConfig } from './bus-config.schema';
import { planReload, type ReloadPlan } from './reload-plan';
import { isTypePattern, matchesType } from '../routing/type-pattern';

/** Who receives a message type under one version: `erp`, or `erp (from crm, when payload.status = 'active')`. */
export type Recipients = string[];

export interface RecipientChange {
  type: string;
  before: Recipients;
  after: Recipients;
}

/** `bpi-bus plan`: the reload plan, and per message type the recipients that change. */
export interface ConfigDiff extends ReloadPlan {
  recipients: RecipientChange[];
}

/** What applying `next` over `previous` would change: systems, routes, files, and recipients per type. */
export function diffConfigs(next: ActiveConfig, previous: ActiveConfig | undefined, reason = 'plan'): ConfigDiff {
  const plan = planReload(next, previous, { reason, trigger: 'apply', appliedBy: 'plan' });
  const types = [...new Set([...Object.keys(MESSAGE_TYPES), ...typesOf(next), ...typesOf(previous)])].sort();
  const recipients = types
    .map((type) => ({ type, before: previous ? recipientsOf(previous.config.routes, type) : [], after: recipientsOf(next.config.routes, type) }))
    .filter((c) => c.before.join('\n') !== c.after.join('\n'));
  return { ...plan, recipients };
}

/** Per route that takes the type: its destinations, with the source and condition that limit it. */
export function recipientsOf(routes: readonly RouteConfig[], type: string): Recipients {
  const out = new Set<string>();
  for (const route of routes) {
    if (!route.types.some((p) => matchesType(p, type))) continue;
    const limits = [route.from ? `from ${route.from}` : '', route.when ? `when ${route.when}` : ''].filter(Boolean).join(', ');
    for (const d of route.to) out.add(limits ? `${d.system} (${limits})` : d.system);
  }
  return [...out].sort();
}

const typesOf = (config: ActiveConfig | undefined) => (config?.config.routes ?? []).flatMap((r) => r.types.filter((t) => !isTypePattern(t)));
