import { neon } from '@neondatabase/serverless';
import { applySeed, BACKENDS, startTestPlayground, type TestPlayground } from '../support/playgrounds';
const raw = { getTypeParser: () => (v: string) => v } as any;
for (const backend of BACKENDS) {
  describe(`scratch ${backend}`, function () {
    let t: TestPlayground;
    before(async () => { t = await startTestPlayground(backend); await applySeed(t.owner); });
    after(async () => t?.close());
    it('explore', async () => {
      const o = neon(t.playground.ownerUrl, { fullResults: true, arrayMode: true });
      const q = async (label: string, f: () => Promise<unknown>) => { try { console.log(label, JSON.stringify(await f()).slice(0, 600)); } catch (e: any) { console.log(label, 'ERR', e.code, e.message); } };
      await q('members', () => o.query("select r.rolname, m.rolname as member, admin_option from pg_auth_members am join pg_roles r on r.oid=am.roleid join pg_roles m on m.oid=am.member"));
      await q('roles', () => o.query("select rolname, rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname !~ '^pg_'"));
      await q('set role w/o grant', () => o.transaction([o.query("select set_config('request.jwt.claims', $1, true)", ['{"sub":"alice"}']), o.query('set local role authenticated'), o.query('select current_user, auth.user_id()')]));
      await q('grant', () => o.query('GRANT authenticated TO neondb_owner'));
      await q('grant anon', () => o.query('GRANT anonymous TO neondb_owner'));
      await o.query("insert into todos(task,user_id) values ('a1','alice'),('a2','alice'),('b1','bob')");
      await q('set role with grant', () => o.transaction([o.query("select set_config('request.jwt.claims', $1, true)", ['{"sub":"alice"}']), o.query('set local role authenticated'), o.query('select current_user, session_user, auth.user_id(), (select count(*) from todos)')]));
      await q('DO guard', () => o.transaction([o.query('set local role authenticated'), o.query(`DO $g$ DECLARE f jsonb; BEGIN SELECT jsonb_build_object('u', current_user) INTO f; IF true THEN RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'naw: bypass', DETAIL = f::text; END IF; END $g$`), o.query('select 1')]));
      const e: any = await o.transaction([o.query(`DO $g$ BEGIN RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'naw: bypass', DETAIL = '{"a":1}'; END $g$`)]).catch((x) => x);
      console.log('err fields', e.code, e.detail, e.message);
      await q('readonly for update', () => o.transaction([o.query('select * from todos for update')], { readOnly: true }));
      await q('types', () => o.query('select 1::int as a, now() as b, null::text as c, \'\'::text as d', [], { types: raw }));
      const au = neon(t.playground.authenticatedUrl, { fullResults: true, arrayMode: true });
      await q('auth pwd self', () => au.transaction([au.query("select set_config('request.jwt.claims', $1, true)", ['{"sub":"bob"}']), au.query('set local role authenticated'), au.query('select current_user, auth.user_id(), (select count(*) from todos)')]));
      await q('create login role', () => o.query("CREATE ROLE app_verifier LOGIN PASSWORD 'pw_app_verifier'"));
      await q('grant to app_verifier', () => o.query('GRANT authenticated TO app_verifier'));
      await q('bypass role', () => o.query('CREATE ROLE rls_admin NOLOGIN BYPASSRLS'));
      await q('port', () => o.query("select inet_server_port(), current_database()"));
      await q('user_id null insert', async () => { const tok = await t.playground.mint({ role: 'authenticated' }); const s = neon(t.playground.authenticatedUrl, { authToken: tok }); return s.query("insert into todos(task) values ('x')"); });
      await q('owner token', async () => { const tok = await t.playground.mint({ sub: 'alice' }); const s = neon(t.playground.ownerUrl, { authToken: tok }); return s.query("select 1"); });
      await q('perm denied set role', () => o.transaction([o.query('set local role anonymous'), o.query('set local role authenticated')]));
    });
  });
}
