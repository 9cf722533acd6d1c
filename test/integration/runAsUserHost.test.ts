// The Run-as-User host end to end outside VS Code: validated protocol messages in, answers out, against a
// real playground (PGlite) with the Authorize guides' todos, through the real engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { findSecretsInSettings } from '../../src/core/connections/settingsSafety';
import { validateHostMessage, type HostToWebview, type ResponseMessage, type RunResponse, type WebviewRequest } from '../../src/core/runAsUserProtocol/messages';
import type { ActiveConnection } from '../../src/extension/connections/types';
import { createRunEngine } from '../../src/extension/runAsUser/engine';
import { SqlHistory } from '../../src/extension/runAsUser/history';
import { RunAsUserHost, type RunEngine } from '../../src/extension/runAsUser/host';
import { PersonaStore } from '../../src/extension/runAsUser/personas';
import { makeTempDir, removeTempDir } from '../support/cleanup.mjs';
import { applySeed, startTestPlayground, type TestPlayground } from '../support/playgrounds';
import { MemorySecrets, MemoryState } from '../support/memoryStores';

type Ran = Extract<RunResponse, { kind: 'ran' }>;
/** A request as the webview builds it, before it numbers it. */
type Outgoing = WebviewRequest extends infer R ? (R extends WebviewRequest ? Omit<R, 'id'> : never) : never;

describe('run as user host (playground, real engine)', function () {
  let t: TestPlayground;
  let connection: ActiveConnection;
  let state: MemoryState;
  let secrets: MemorySecrets;
  let host: RunAsUserHost;
  let engine: RunEngine;
  let posted: HostToWebview[];
  let commands: { id: string; args: unknown[] }[];
  let copied: string[];
  let exportDir: string;
  let nextId = 1000;

  before(async () => {
    t = await startTestPlayground('pglite');
    await applySeed(t.owner);
    await t.owner.query("insert into todos (task, user_id) values ('buy milk', 'alice'), ('fix bike', 'bob'), ('walk dog', 'alice')");
    const p = t.playground;
    connection = { kind: 'playground', label: `Playground (127.0.0.1:${p.port})`, ownerUrl: p.ownerUrl, authenticatedUrl: p.authenticatedUrl, anonymousUrl: p.anonymousUrl, fetchEndpoint: p.fetchEndpoint, playground: p };
    exportDir = makeTempDir('naw-export-');
  });

  beforeEach(() => {
    state = new MemoryState();
    secrets = new MemorySecrets();
    posted = [];
    commands = [];
    copied = [];
    engine = createRunEngine();
    host = new RunAsUserHost({
      connections: { current: async () => connection, peek: () => connection, providers: async () => connection.playground!.listProviders() },
      personas: new PersonaStore(state, secrets),
      history: new SqlHistory(state),
      post: (m) => {
        // Everything the host sends must pass the webview's own validation.
        const checked = validateHostMessage(m);
        assert.ok(checked.ok, `host sent an invalid message: ${!checked.ok && checked.error}`);
        posted.push(m);
      },
      saveExport: async (target) => {
        const file = join(exportDir, target.suggestedName);
        const { writeFileSync } = await import('node:fs');
        writeFileSync(file, target.content);
        return { saved: true, location: file };
      },
      copyText: async (text) => void copied.push(text),
      runCommand: async (id, ...args) => void commands.push({ id, args }),
      hasCommand: async (id) => id !== 'neonAuthorize.addProvider', // one missing, to see the refusal
      loadEngine: async () => engine,
    });
  });

  afterEach(async () => {
    host.dispose();
    await engine.close();
  });

  after(async () => {
    await t?.close();
    removeTempDir(exportDir);
  });

  async function request(message: Outgoing): Promise<ResponseMessage> {
    const id = nextId++;
    await host.handle({ ...message, id });
    const answers = posted.filter((m): m is ResponseMessage => m.type === 'response' && m.id === id);
    assert.equal(answers.length, 1, `request ${message.type} was answered ${answers.length} times`);
    return answers[0]!;
  }

  async function ok<T>(message: Outgoing): Promise<T> {
    const r = await request(message);
    assert.ok(r.ok, `request ${message.type} failed: ${!r.ok && r.error.message}`);
    return r.result as T;
  }

  const persona = (name: string) => ({ kind: 'persona' as const, personaId: `starter-${name}` });
  const column = (ran: Ran, side: 'user' | 'owner', name: string) => {
    const outcome = ran[side];
    assert.equal(outcome.kind, 'rows', `${side}: ${JSON.stringify(outcome)}`);
    if (outcome.kind !== 'rows') return [];
    const i = outcome.result.fields.findIndex((f) => f.name === name);
    return outcome.result.rows.map((r) => r[i]);
  };

  it('answers ready with init: starter personas, the playground path, the playground key', async () => {
    await host.handle({ type: 'ready' });
    const init = posted.find((m) => m.type === 'init');
    assert.ok(init && init.type === 'init');
    assert.deepEqual(init.state.personas.map((p) => p.name), ['alice', 'bob']);
    assert.equal(init.state.selectedPath, 'playground');
    assert.deepEqual(init.state.paths.map((p) => [p.path, p.available]), [
      ['authorize-http', true],
      ['self-verified', true],
      ['playground', true],
    ]);
    assert.equal(init.state.playgroundKeyAvailable, true);
    assert.ok(!init.state.connectionLabel.includes(new URL(connection.ownerUrl).password));
  });

  it('rejects malformed requests with an answer when they carry an id, silently otherwise', async () => {
    await host.handle({ type: 'run', id: 7, sql: '', token: { kind: 'anonymous' }, path: 'playground' });
    const answer = posted.find((m) => m.type === 'response' && m.id === 7);
    assert.ok(answer && answer.type === 'response' && !answer.ok);
    assert.match(answer.error.message, /run\.sql must not be empty/);
    const before = posted.length;
    await host.handle({ type: 'nonsense' });
    await host.handle('not even an object');
    assert.equal(posted.length, before);
  });

  for (const path of ['playground', 'authorize-http', 'self-verified'] as const) {
    it(`runs as alice, bob and anonymous beside the owner, with the hidden rows marked (${path})`, async () => {
      const sql = 'select id, task, user_id from todos order by id';
      const alice = await ok<RunResponse>({ type: 'run', sql, token: persona('alice'), path });
      assert.equal(alice.kind, 'ran');
      const a = alice as Ran;
      assert.deepEqual(column(a, 'user', 'task'), ['buy milk', 'walk dog']);
      assert.deepEqual(column(a, 'owner', 'task'), ['buy milk', 'fix bike', 'walk dog']);
      assert.deepEqual(a.hiddenOwnerRows, [1]);
      assert.equal(a.hiddenMatchedBy, 'primary-key');
      assert.match(a.identityLabel, /alice/);

      const b = (await ok<RunResponse>({ type: 'run', sql, token: persona('bob'), path })) as Ran;
      assert.deepEqual(column(b, 'user', 'task'), ['fix bike']);
      assert.deepEqual(b.hiddenOwnerRows, [0, 2]);

      if (path !== 'self-verified') {
        const anon = (await ok<RunResponse>({ type: 'run', sql, token: { kind: 'anonymous' }, path })) as Ran;
        assert.deepEqual(column(anon, 'user', 'task'), []);
        assert.deepEqual(anon.hiddenOwnerRows, [0, 1, 2]);
        assert.ok(anon.notes.some((n) => /RLS hid 3 rows/.test(n.message)), JSON.stringify(anon.notes));
      }
    });
  }

  it('runs a write only after confirmation, once, on the user side; a confirmation is single-use and bound to its statement', async () => {
    const sql = "insert into todos (task) values ('from the panel')";
    const count = async () => Number(((await t.owner.query("select count(*)::int as n from todos where task = 'from the panel'")) as { n: number }[])[0]!.n);
    const asked = await ok<RunResponse>({ type: 'run', sql, token: persona('alice'), path: 'playground' });
    assert.equal(asked.kind, 'confirm-write');
    if (asked.kind !== 'confirm-write') return;
    assert.equal(asked.command, 'INSERT');
    assert.equal(await count(), 0, 'nothing ran before the confirmation');

    const other = await request({ type: 'run', sql: `${sql} returning id`, token: persona('alice'), path: 'playground', confirmWriteId: asked.confirmationId });
    assert.ok(!other.ok && /changed after you were asked to confirm/.test(other.error.message));

    const again = await ok<RunResponse>({ type: 'run', sql, token: persona('alice'), path: 'playground' });
    assert.equal(again.kind, 'confirm-write');
    if (again.kind !== 'confirm-write') return;
    const ran = (await ok<RunResponse>({ type: 'run', sql, token: persona('alice'), path: 'playground', confirmWriteId: again.confirmationId })) as Ran;
    assert.equal(ran.kind, 'ran');
    assert.equal(ran.user.kind, 'rows');
    assert.equal(await count(), 1, 'the write ran exactly once');
    assert.ok(ran.owner.kind === 'rows' && /todos/.test(ran.owner.caption ?? ''), JSON.stringify(ran.owner));
    const user_ids = column(ran, 'owner', 'user_id');
    const tasks = column(ran, 'owner', 'task');
    assert.equal(user_ids[tasks.indexOf('from the panel')], 'alice', 'user_id came from the token');

    const reused = await request({ type: 'run', sql, token: persona('alice'), path: 'playground', confirmWriteId: again.confirmationId });
    assert.ok(!reused.ok && /expired or was already used/.test(reused.error.message));
    assert.equal(await count(), 1);
    await t.owner.query("delete from todos where task = 'from the panel'");
  });

  it('explains a missing grant with a fix button, and runs the fix command', async () => {
    await t.owner.query('create schema if not exists hidden_schema');
    await t.owner.query('create table if not exists hidden_schema.notes (id int primary key, body text)');
    const r = (await ok<RunResponse>({ type: 'run', sql: 'select * from hidden_schema.notes', token: persona('alice'), path: 'playground' })) as Ran;
    assert.equal(r.user.kind, 'error');
    if (r.user.kind !== 'error') return;
    assert.match(r.user.error.message, /hidden_schema/);
    const fix = r.user.error.fixes?.find((f) => f.action === 'scaffoldGrants');
    assert.ok(fix, JSON.stringify(r.user.error));
    const started = await ok<{ message: string }>({ type: 'runFix', action: fix.action, ...(fix.target ? { target: fix.target } : {}) });
    assert.equal(started.message, 'Scaffold Grants started.');
    assert.deepEqual(commands.map((c) => c.id), ['neonAuthorize.scaffoldGrants']);
    await ok({ type: 'runFix', action: 'scaffoldPolicies', target: 'public.todos' });
    assert.deepEqual(commands[1], { id: 'neonAuthorize.scaffoldPolicies', args: [{ kind: 'table', schema: 'public', name: 'todos' }] });
    const missing = await request({ type: 'runFix', action: 'addProvider' });
    assert.ok(!missing.ok && /neonAuthorize\.addProvider is not available/.test(missing.error.message));
  });

  it('mints a token with the playground key and inspects it as verified', async () => {
    const { token, inspection } = await ok<{ token: string; inspection: { verification: { status: string }; claims: { name: string; value: string }[] } }>({
      type: 'mintToken',
      persona: { name: 'dave', sub: 'dave', role: 'authenticated', expiresIn: '10m', extraClaims: '{"org":"acme"}', keySource: { kind: 'playground' } },
    });
    assert.match(token, /^eyJ/);
    assert.equal(inspection.verification.status, 'verified', JSON.stringify(inspection.verification));
    assert.deepEqual(inspection.claims.find((c) => c.name === 'org')?.value, '"acme"');
    const inspected = await ok<{ verification: { status: string }; warnings: { code: string }[] }>({ type: 'inspectToken', token: { kind: 'pasted', token }, path: 'self-verified' });
    assert.equal(inspected.verification.status, 'verified');
  });

  it('saves a persona with a private key to SecretStorage; workspaceState holds no token, key or password after runs', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const { persona: saved } = await ok<{ persona: { id: string; keySource: { kind: string; label?: string } } }>({
      type: 'savePersona',
      persona: { name: 'erin', sub: 'erin', role: 'authenticated', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'private-key', key: JSON.stringify(jwk), kid: 'erin-key' } },
    });
    assert.equal(saved.keySource.kind, 'private-key');
    assert.ok([...secrets.values.values()].some((v) => v.includes(jwk.d as string)));
    assert.ok(posted.some((m) => m.type === 'personasChanged' && m.personas.some((p) => p.id === saved.id)));

    // A token signed by a key the playground does not know: Neon's "jwk not found", explained.
    const run = (await ok<RunResponse>({ type: 'run', sql: 'select * from todos', token: { kind: 'persona', personaId: saved.id }, path: 'playground' })) as Ran;
    assert.equal(run.user.kind, 'error');
    const minted = await ok<{ token: string }>({ type: 'mintToken', persona: { name: 'a', sub: 'alice', role: 'authenticated', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'playground' } } });
    await ok({ type: 'run', sql: 'select * from todos', token: { kind: 'pasted', token: minted.token }, path: 'playground' });

    const dump = JSON.stringify(state.dump());
    assert.deepEqual(findSecretsInSettings(state.dump()), []);
    assert.ok(!dump.includes(jwk.d as string), 'no private key in workspaceState');
    assert.ok(!dump.includes(minted.token), 'no token in workspaceState');
    assert.ok(!dump.includes(new URL(connection.ownerUrl).password), 'no password in workspaceState');
    // Nothing the host posted carries a password either.
    const everything = JSON.stringify(posted);
    for (const url of [connection.ownerUrl, connection.authenticatedUrl!, connection.anonymousUrl!]) assert.ok(!everything.includes(new URL(url).password));

    assert.deepEqual(await ok({ type: 'deletePersona', personaId: saved.id }), { deleted: true });
    assert.equal(secrets.values.size, 0);
  });

  it('keeps a de-duplicated history and tells the panel', async () => {
    await ok({ type: 'run', sql: 'select 1 as one', token: { kind: 'anonymous' }, path: 'playground' });
    await ok({ type: 'run', sql: 'select 2 as two', token: { kind: 'anonymous' }, path: 'playground' });
    await ok({ type: 'run', sql: 'select 1 as one', token: { kind: 'anonymous' }, path: 'playground' });
    const last = posted.filter((m) => m.type === 'historyChanged').at(-1);
    assert.ok(last && last.type === 'historyChanged');
    assert.deepEqual(last.sqlHistory, ['select 1 as one', 'select 2 as two']);
  });

  it('exports, copies, and refuses a path the connection does not offer', async () => {
    const saved = await ok<{ saved: boolean; location: string }>({ type: 'export', format: 'csv', grid: 'user', content: 'id,task\n1,buy milk\n', suggestedName: 'todos-user.csv' });
    assert.equal(saved.saved, true);
    assert.equal(readFileSync(saved.location, 'utf8'), 'id,task\n1,buy milk\n');
    assert.deepEqual(await ok({ type: 'copy', what: 'cell', text: 'buy milk' }), { copied: true });
    assert.deepEqual(copied, ['buy milk']);
    const saved2 = connection;
    connection = { ...saved2, kind: 'env', playground: undefined, authenticatedUrl: undefined };
    try {
      const r = await request({ type: 'run', sql: 'select 1', token: { kind: 'anonymous' }, path: 'playground' });
      assert.ok(!r.ok && /Playground cannot be used/.test(r.error.message), JSON.stringify(r));
    } finally {
      connection = saved2;
    }
  });
});
