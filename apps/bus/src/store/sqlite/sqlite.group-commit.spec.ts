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
});
