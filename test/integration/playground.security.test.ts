/**
 * Claims cannot be forged and the role cannot be left by a request's own SQL, on PGlite (where
 * the SQL guard stands between the request and a superuser session) and on a real server
 * (where the connection is the role itself). Both must answer alike.
 */
import assert from 'node:assert/strict';
import { escapeAttempts } from '../unit/sqlEscapeCorpus';
import { applySeed, BACKENDS, startTestPlayground, type TestPlayground } from '../support/playgrounds';

type Outcome = { ok: true; uid: unknown; role: unknown; superuser: unknown } | { ok: false; code: string | undefined };

for (const backend of BACKENDS) {
  describe(`playground security (${backend})`, function () {
    let t: TestPlayground;

    before(async () => {
      t = await startTestPlayground(backend);
      await applySeed(t.owner);
      await t.owner.query("insert into todos (user_id, task) values ('alice', 'a1'), ('bob', 'b1')");
    });
    after(async () => t?.close());

    /** Runs the attempt and, in the same transaction, asks who we are now. */
    async function attempt(sqlText: string): Promise<Outcome> {
      const alice = await t.as('alice');
      try {
        const results = await alice.transaction([
          alice.query(sqlText),
          alice.query("select auth.user_id() as uid, current_user as role, current_setting('is_superuser') as superuser"),
        ]);
        const who = (results[1] as Record<string, unknown>[])[0];
        return { ok: true, uid: who.uid, role: who.role, superuser: who.superuser };
      } catch (err) {
        return { ok: false, code: (err as { code?: string }).code };
      }
    }

    it('has a corpus of at least 20 escape attempts', () => {
      assert.ok(escapeAttempts.length >= 20, `only ${escapeAttempts.length} attempts`);
    });

    for (const a of escapeAttempts) {
      it(`escape attempt leaves alice as alice: ${a.name}`, async () => {
        const outcome = await attempt(a.sql);
        if (outcome.ok) {
          assert.deepEqual({ uid: outcome.uid, role: outcome.role, superuser: outcome.superuser }, { uid: 'alice', role: 'authenticated', superuser: 'off' });
        } else {
          assert.ok(outcome.code && outcome.code !== '', `failed without a Postgres error code`);
        }
        // The next request is a fresh session: still alice, still the app role, still her rows only.
        const alice = await t.as('alice');
        assert.deepEqual(await alice.query('select auth.user_id() as uid, current_user as role, session_user as login'), [
          { uid: 'alice', role: 'authenticated', login: backend === 'postgres' ? 'authenticated' : 'authenticated' },
        ]);
        assert.deepEqual(await alice.query('select task from todos order by task'), [{ task: 'a1' }]);
      });
    }

    it('set_config(request.jwt.claims) earlier in the batch does not change auth.user_id()', async () => {
      const alice = await t.as('alice');
      const [, who, rows] = await alice.transaction([
        alice.query(`select set_config('request.jwt.claims', '{"sub":"bob"}', true)`),
        alice.query('select auth.user_id() as uid'),
        alice.query('select task from todos'),
      ]);
      assert.deepEqual(who, [{ uid: 'alice' }]);
      assert.deepEqual(rows, [{ task: 'a1' }]);
    });

    it('SET pg_session_jwt.jwt to a forged token is refused with invalid JWT signature', async () => {
      const alice = await t.as('alice');
      const forged = [
        Buffer.from('{"alg":"HS256","kid":1}').toString('base64url'),
        Buffer.from('{"sub":"bob","jti":999999}').toString('base64url'),
        'A'.repeat(43),
      ].join('.');
      await assert.rejects(
        alice.transaction([alice.query(`SET pg_session_jwt.jwt = '${forged}'`), alice.query('select auth.user_id()')]),
        (err: Error & { code?: string }) => err.code === '23514' && err.message === 'invalid JWT signature',
      );
    });

    it('calling auth.jwt_session_init with a token of our own is refused', async () => {
      const alice = await t.as('alice');
      const other = await t.playground.mint({ sub: 'bob' });
      await assert.rejects(alice.query('select auth.jwt_session_init($1)', [other]), (err: Error & { code?: string }) => err.code === '23514' || err.code === '42804');
    });

    it('30 parallel requests as different users never see each other\'s rows', async () => {
      const users = Array.from({ length: 30 }, (_, i) => `user${i}`);
      await t.owner.query("insert into todos (user_id, task) select 'user' || i, 'task of user' || i from generate_series(0, 29) i");
      const seen = await Promise.all(users.map(async (u) => {
        const sql = await t.as(u);
        return { u, rows: (await sql.query('select user_id, task, auth.user_id() as uid from todos')) as Record<string, string>[] };
      }));
      for (const { u, rows } of seen) {
        assert.deepEqual(rows, [{ user_id: u, task: `task of ${u}`, uid: u }]);
      }
    });
  });
}
