import type { Statement } from 'better-sqlite3';
import type * as T from '../store.types';
import { effectLimit, noEffectCounts } from '../job-effects';

interface EffectRow {
  job: string; run_key: string; recipient: string; effect: T.JobEffectKind; state: T.JobEffectState; target: string; pass: number;
  owner: string | null; detail: string | null; started_at: string; updated_at: string;
}

const KEY = 'job = @job AND run_key = @runKey AND recipient = @recipient AND effect = @effect';

/** The job effects ledger in the embedded store; every change is one statement, so it is atomic across instances sharing the file. */
export class SqliteJobEffects {
  constructor(private readonly stmt: (sql: string) => Statement) {}

  claim(key: T.JobEffectKey, start: T.JobEffectStart): T.JobEffectClaim {
    const at = new Date().toISOString();
    // The upsert's WHERE is the whole claim rule (see BusStore.claimJobEffect): no read-then-write race.
    const claimed = this.stmt(`INSERT INTO job_effects (job, run_key, recipient, effect, state, target, pass, owner, detail, started_at, updated_at)
      VALUES (@job, @runKey, @recipient, @effect, 'started', @target, @pass, @owner, NULL, @at, @at)
      ON CONFLICT (job, run_key, recipient, effect) DO UPDATE SET state = 'started', target = excluded.target, pass = excluded.pass,
        owner = excluded.owner, detail = NULL, started_at = excluded.started_at, updated_at = excluded.updated_at
      WHERE job_effects.state = 'retry' OR (job_effects.state IN ('done', 'failed') AND job_effects.pass < excluded.pass)
        OR (job_effects.state = 'failed' AND @retryFailed = 1)`)
      .run({ ...keyOf(key), target: start.target, pass: start.pass, owner: start.owner, at, retryFailed: start.retryFailed ? 1 : 0 }).changes === 1;
    return { claimed, effect: this.get(key)! };
  }

  transition(key: T.JobEffectKey, from: readonly T.JobEffectState[], to: T.JobEffectState, detail?: string, owner?: string): boolean {
    if (from.length === 0) return false;
    const at = new Date().toISOString();
    const states = from.map((_, i) => `@from${i}`).join(', ');
    const params: Record<string, unknown> = { ...keyOf(key), to, detail: detail ?? null, owner: owner ?? null, at };
    from.forEach((s, i) => (params[`from${i}`] = s));
    return this.stmt(`UPDATE job_effects SET state = @to, detail = coalesce(@detail, detail), owner = coalesce(@owner, owner), updated_at = @at,
        started_at = CASE WHEN @to = 'started' THEN @at ELSE started_at END
      WHERE ${KEY} AND state IN (${states})`).run(params).changes === 1;
  }

  get(key: T.JobEffectKey): T.JobEffect | null {
    const row = this.stmt(`SELECT * FROM job_effects WHERE ${KEY}`).get(keyOf(key)) as EffectRow | undefined;
    return row ? toEffect(row) : null;
  }

  list(job: string, search: T.JobEffectSearch = {}): T.JobEffect[] {
    const rows = this.stmt(`SELECT * FROM job_effects WHERE job = @job AND (@runKey IS NULL OR run_key = @runKey) AND (@state IS NULL OR state = @state)
      ORDER BY run_key, recipient, effect LIMIT @limit`)
      .all({ job, runKey: search.runKey ?? null, state: search.state ?? null, limit: effectLimit(search.limit) }) as EffectRow[];
    return rows.map(toEffect);
  }

  counts(job: string, runKey?: string): T.JobEffectCounts {
    const rows = this.stmt(`SELECT state, count(*) AS n FROM job_effects WHERE job = @job AND (@runKey IS NULL OR run_key = @runKey) GROUP BY state`)
      .all({ job, runKey: runKey ?? null }) as Array<{ state: T.JobEffectState; n: number }>;
    const counts = noEffectCounts();
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  /** Settled effects older than the cutoff; `started` and `unknown` wait for their resolution. */
  purge(cutoff: string): void {
    this.stmt(`DELETE FROM job_effects WHERE state IN ('done', 'failed', 'retry') AND updated_at < ?`).run(cutoff);
  }
}

/** Only the key fields: better-sqlite3 refuses named parameters the statement does not use. */
const keyOf = ({ job, runKey, recipient, effect }: T.JobEffectKey) => ({ job, runKey, recipient, effect });

function toEffect(r: EffectRow): T.JobEffect {
  const effect: T.JobEffect = {
    job: r.job, runKey: r.run_key, recipient: r.recipient, effect: r.effect, state: r.state, target: r.target, pass: r.pass,
    startedAt: r.started_at, updatedAt: r.updated_at,
  };
  if (r.owner !== null) effect.owner = r.owner;
  if (r.detail !== null) effect.detail = r.detail;
  return effect;
}
