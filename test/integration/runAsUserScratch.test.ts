import { neon } from '@neondatabase/serverless';
import { applySeed, BACKENDS, startTestPlayground, type TestPlayground } from '../support/playgrounds';
import { roleFactsQuery, textArrayParam, parseRoleFacts, rlsGuardStatement, rlsGuardFacts } from '../../src/core/runAsUser/relationFacts';
for (const backend of BACKENDS) {
  describe(`scratch ${backend}`, function () {
    let t: TestPlayground;
    before(async () => { t = await startTestPlayground(backend); await applySeed(t.owner); });
    after(async () => t?.close());
    it('explore', async () => {
      const o = neon(t.playground.ownerUrl, { fullResults: true, arrayMode: true });
      await o.query('create view v_todos as select * from todos');
      await o.query('create view v_inv with (security_invoker = on) as select * from todos');
      for (const role of ['neondb_owner', 'authenticated']) {
        const r = await o.query(roleFactsQuery(), [textArrayParam(['todos', 'public.v_todos', 'v_inv', 'nope', 'x"y']), role]);
        console.log(role, JSON.stringify(parseRoleFacts(r.rows[0][0]), null, 0));
      }
      const au = neon(t.playground.authenticatedUrl, { fullResults: true, arrayMode: true });
      for (const tables of [['todos'], ['v_todos'], ['v_inv']]) {
        const e = await au.transaction([au.query('set local role authenticated'), au.query(rlsGuardStatement(tables)), au.query('select count(*) from todos')]).then((x) => x[2].rows, (x) => x);
        console.log(tables, e instanceof Error ? ['ERR', e.message, JSON.stringify(rlsGuardFacts(e))] : JSON.stringify(e));
      }
    });
  });
}
