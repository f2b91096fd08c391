import { decodeCursor } from '../keyset-page';

/**
 * The WHERE of a newest-first store search: each filter given a value adds its clause and named
 * parameter; a cursor adds "after the last row shown" on (`column`, id). `@limit` asks one row more
 * than the page, for pageOf.
 */
export class SqliteSearch {
  private readonly clauses: string[] = [];
  readonly params: Record<string, unknown>;

  constructor(limit: number) {
    this.params = { limit: limit + 1 };
  }

  /** Adds `clause` (which names `@name`) unless the value is absent or empty. */
  filter(clause: string, name: string, value: unknown): this {
    if (value === undefined || value === '') return this;
    this.clauses.push(clause);
    this.params[name] = value;
    return this;
  }

  afterCursor(column: string, cursor: string | undefined): this {
    const after = decodeCursor(cursor);
    if (!after) return this;
    this.clauses.push(`(${column} < @cursorAt OR (${column} = @cursorAt AND id < @cursorId))`);
    Object.assign(this.params, { cursorAt: after.at, cursorId: after.id });
    return this;
  }

  get where(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}
