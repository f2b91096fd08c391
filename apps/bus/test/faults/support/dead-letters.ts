import type { BusProcess } from './bus-process';
import type { DrillContext } from './drill';

/** A dead letter as GET /admin/dead-letters lists it (the fields drills read). */
export interface DeadLetterView {
  id: string;
  messageId: string;
  destination: string;
  type: string;
  state: 'dead' | 'replaying' | 'replayed' | 'discarded';
  /** `AREA.REASON`, e.g. CONFIG.DESTINATION_REMOVED. */
  errorCode: string;
  errorMessage: string;
  envelope: { payload: { customerId?: string } };
}

/** Every dead letter matching `query` (e.g. `system=erp&state=all`), all pages. */
export async function listDeadLetters(ctx: DrillContext, bus: BusProcess, query: string): Promise<DeadLetterView[]> {
  const out: DeadLetterView[] = [];
  let cursor: string | undefined;
  do {
    const res = await ctx.admin(bus, 'GET', `dead-letters?${query}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET /admin/dead-letters?${query} answered ${res.status}: ${JSON.stringify(res.json)}`);
    out.push(...res.json.items);
    cursor = res.json.nextCursor;
  } while (cursor);
  return out;
}

/** Business ids (customer ids) of the dead letters still waiting for an operator. */
export async function parkedBusinessIds(ctx: DrillContext, bus: BusProcess, system: string): Promise<Set<string>> {
  const dead = await listDeadLetters(ctx, bus, `system=${system}&state=dead`);
  return new Set(dead.map((d) => String(d.envelope?.payload?.customerId ?? d.messageId)));
}
