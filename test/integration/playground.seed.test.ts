/**
 * Neon's Stack Auth and Stytch Authorize guides end to end through Neon's unmodified driver, on
 * PGlite and on a real PostgreSQL server: what a todos app sees as alice, bob, anonymous and the owner.
 */
import assert from 'node:assert/strict';
import { applySeed, BACKENDS, startTestPlayground, type TestPlayground } from '../support/playgrounds';

for (const backend of BACKENDS) {
  describe(`Authorize guide end to end (${backend})`, function () {
    let t: TestPlayground;

    before(async () => {
      t = await startTestPlayground(backend);
      await applySeed(t.owner);
    });
    after(async () => t?.close());

    it('inserts as alice take user_id from the token', async () => {
      const alice = await t.as('alice');
      const rows = await alice.query("insert into todos (task) values ('buy milk'), ('walk dog') returning user_id, task");
      assert.deepEqual(rows, [
        { user_id: 'alice', task: 'buy milk' },
        { user_id: 'alice', task: 'walk dog' },
      ]);
      const bob = await t.as('bob');
      await bob.query("insert into todos (task) values ('fix bike')");
    });

    it('alice sees only hers, bob only his, anonymous nothing, the owner everything', async () => {
      const tasks = async (sql: Awaited<ReturnType<TestPlayground['as']>>) =>
        ((await sql.query('select task from todos order by id')) as { task: string }[]).map((r) => r.task);
      assert.deepEqual(await tasks(await t.as('alice')), ['buy milk', 'walk dog']);
      assert.deepEqual(await tasks(await t.as('bob')), ['fix bike']);
      assert.deepEqual(await tasks(await t.as(null)), []);
      assert.deepEqual(await tasks(t.owner), ['buy milk', 'walk dog', 'fix bike']);
    });

    it('auth.user_id() is the sub claim as alice, NULL for the owner', async () => {
      const alice = await t.as('alice');
      assert.deepEqual(await alice.query('select auth.user_id() as uid, current_user as role'), [{ uid: 'alice', role: 'authenticated' }]);
      assert.deepEqual(await t.owner.query('select auth.user_id() as uid, auth.session() as s'), [{ uid: null, s: null }]);
    });

    it('a WITH CHECK violation raises', async () => {
      const alice = await t.as('alice');
      await assert.rejects(
        alice.query("insert into todos (task, user_id) values ('sneaky', 'bob')"),
        (err: Error & { code?: string }) => err.code === '42501' && /row-level security policy/.test(err.message),
      );
    });

    it("an update of another user's row changes 0 rows", async () => {
      const alice = await t.as('alice');
      const result = await alice.query("update todos set task = 'hacked' where task = 'fix bike'", [], { fullResults: true });
      assert.equal(result.rowCount, 0);
      assert.equal(result.command, 'UPDATE');
      const owner = (await t.owner.query("select task from todos where task = 'fix bike'")) as unknown[];
      assert.equal(owner.length, 1);
    });

    it('sql.transaction runs the batch in one transaction with the token', async () => {
      const alice = await t.as('alice');
      const [inserted, mine] = await alice.transaction([
        alice.query("insert into todos (task) values ('batch one') returning user_id"),
        alice.query('select count(*)::int as n from todos'),
      ]);
      assert.deepEqual(inserted, [{ user_id: 'alice' }]);
      assert.deepEqual(mine, [{ n: 3 }]);
      await assert.rejects(alice.transaction([
        alice.query("insert into todos (task) values ('rolled back')"),
        alice.query("insert into todos (task) values ('')"),
      ]), /check constraint/);
      assert.deepEqual(await t.owner.query("select count(*)::int as n from todos where task = 'rolled back'"), [{ n: 0 }]);
    });
  });
}
