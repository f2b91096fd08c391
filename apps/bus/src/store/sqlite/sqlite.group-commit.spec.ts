import BetterSqlite3 from 'better-sqlite3';
import { GroupCommit } from './sqlite.group-commit';

describe(GroupCommit.name, () => {
  const open = () => {
    const db = new BetterSqlite3(':memory:');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    return db;
  };

  it('should commit the writes of one turn together and give each caller its own result', async () => {
    const db = open();
    const sut = new GroupCommit(db);
    const insert = db.prepare('INSERT OR IGNORE INTO t (k) VALUES (?)');

    const results = await Promise.all(['a', 'b', 'a'].map((k) => sut.write(() => insert.run(k).changes)));

    expect(results).toEqual([1, 1, 0]);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
  });

  it('should fail only the write that fails, not the others of its batch', async () => {
    const db = open();
    const sut = new GroupCommit(db);
    const strict = db.prepare('INSERT INTO t (k) VALUES (?)');

    const outcomes = await Promise.allSettled([sut.write(() => strict.run('x')), sut.write(() => strict.run('x')), sut.write(() => strict.run('y'))]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT k FROM t ORDER BY k').pluck().all()).toEqual(['x', 'y']);
  });

  describe('a write nobody waits on (writeSoon)', () => {
    /** Counts the transactions the group commit opens. */
    const counted = () => {
      const db = open();
      let transactions = 0;
      const transaction = db.transaction.bind(db);
      db.transaction = ((fn: Parameters<typeof transaction>[0]) => {
        transactions++;
        return transaction(fn);
      }) as typeof db.transaction;
      return { db, commits: () => transactions };
    };

    it('should commit with the next write, before it, in one transaction', async () => {
      const { db, commits } = counted();
      const sut = new GroupCommit(db, 60_000);
      const insert = db.prepare('INSERT OR IGNORE INTO t (k) VALUES (?)');

      const soon = sut.writeSoon(() => insert.run('a').changes);
      const next = sut.write(() => insert.run('a').changes);

      expect(await Promise.all([soon, next])).toEqual([1, 0]);
      expect(commits()).toBe(1);
    });

    it('should commit alone once no other write came', async () => {
      const db = open();
      const sut = new GroupCommit(db, 5);
      const insert = db.prepare('INSERT INTO t (k) VALUES (?)');

      await sut.writeSoon(() => insert.run('alone'));

      expect(db.prepare('SELECT k FROM t').pluck().all()).toEqual(['alone']);
    });

    it('should be written by the flush before the store closes', () => {
      const db = open();
      const sut = new GroupCommit(db, 60_000);
      void sut.writeSoon(() => db.prepare('INSERT INTO t (k) VALUES (?)').run('late'));

      sut.flush();

      expect(db.prepare('SELECT k FROM t').pluck().all()).toEqual(['late']);
    });
  });
});
