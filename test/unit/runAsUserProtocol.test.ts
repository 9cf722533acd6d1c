// The contract the browser tests rely on, checked in plain Node: the protocol's validators (used by the
// host on every webview message and by the panel on every host message) and the webview HTML shell.
import assert from 'node:assert/strict';
import { errorResponse, isResultSet, okResponse, requestIdOf, validateHostMessage, validateResult, validateWebviewMessage, LIMITS, type CellRows, type RunResponse } from '../../src/core/runAsUserProtocol/messages';
import { fixAction } from '../../src/core/fixActions';
import { packForWebview, packRows, PackedRowReader, PackedRowsError, readResult, type PackedRows } from '../../src/core/runAsUserProtocol/packedRows';
import { maskConnectionUrl } from '../../src/core/secrets';
import { contentSecurityPolicy, makeNonce, renderWebviewHtml } from '../../src/core/webviewHtml';
import { fixButton } from '../../src/extension/fixCommands';
import { aliceTodos, initState, ownerTodos, ranTodos } from '../fixtures/runAsUserPanel';

const ok = (v: { ok: boolean; error?: string }) => assert.equal(v.ok, true, 'error' in v ? v.error : '');
const rejects = (v: { ok: boolean; error?: string }, pattern: RegExp) => {
  assert.equal(v.ok, false, 'expected a rejection');
  assert.match((v as { error: string }).error, pattern);
};

describe('runAsUserProtocol validators', () => {
  it('accepts the ready message and every request type', () => {
    ok(validateWebviewMessage({ type: 'ready' }));
    const requests = [
      { type: 'run', id: 1, sql: 'select 1', token: { kind: 'anonymous' }, path: 'playground' },
      { type: 'run', id: 2, sql: 'update t set x = 1', token: { kind: 'pasted', token: 'a.b.c' }, path: 'authorize-http', confirmWriteId: 'c1' },
      { type: 'cancelRun', id: 3, runId: 2 },
      { type: 'mintToken', id: 4, persona: { name: 'a', sub: 's', role: 'authenticated', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'playground' } } },
      { type: 'savePersona', id: 5, persona: { name: 'a', sub: 's', role: 'r', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'private-key', key: 'PEM', alg: 'RS256' } }, replaceId: 'p1' },
      { type: 'savePersona', id: 6, persona: { name: 'a', sub: 's', role: 'r', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'stored-key', personaId: 'p1' } } },
      { type: 'deletePersona', id: 7, personaId: 'p1' },
      { type: 'inspectToken', id: 8, token: { kind: 'persona', personaId: 'p1' }, path: 'self-verified' },
      { type: 'export', id: 9, format: 'csv', grid: 'owner', content: '', suggestedName: 'owner-rows.csv' },
      { type: 'copy', id: 10, what: 'row', text: 'a,b' },
      { type: 'runFix', id: 11, action: 'installPgSessionJwt' },
    ];
    for (const r of requests) ok(validateWebviewMessage(r));
  });

  it('rejects malformed webview messages with a reason, keeping the id when there is one', () => {
    rejects(validateWebviewMessage(null), /must be an object/);
    rejects(validateWebviewMessage([]), /must be an object/);
    rejects(validateWebviewMessage({ type: 'dropTable', id: 1 }), /unknown message type/);
    rejects(validateWebviewMessage({ type: 'run', sql: 'select 1', token: { kind: 'anonymous' }, path: 'playground' }), /run\.id is missing/);
    rejects(validateWebviewMessage({ type: 'run', id: 1.5, sql: 'select 1', token: { kind: 'anonymous' }, path: 'playground' }), /run\.id must be an integer/);
    rejects(validateWebviewMessage({ type: 'run', id: 1, sql: '', token: { kind: 'anonymous' }, path: 'playground' }), /run\.sql must not be empty/);
    rejects(validateWebviewMessage({ type: 'run', id: 1, sql: 'x', token: { kind: 'owner' }, path: 'playground' }), /run\.token\.kind must be one of pasted, persona, anonymous/);
    rejects(validateWebviewMessage({ type: 'run', id: 1, sql: 'x', token: { kind: 'pasted', token: 'a'.repeat(LIMITS.tokenChars + 1) }, path: 'playground' }), /longer than/);
    rejects(validateWebviewMessage({ type: 'run', id: 1, sql: 'x', token: { kind: 'anonymous' }, path: 'owner' }), /run\.path must be one of/);
    rejects(validateWebviewMessage({ type: 'export', id: 1, format: 'xml', grid: 'owner', content: '', suggestedName: 'x' }), /export\.format/);
    rejects(validateWebviewMessage({ type: 'runFix', id: 1, action: 'dropDatabase' }), /runFix\.action must be one of/);
    rejects(validateWebviewMessage({ type: 'mintToken', id: 1, persona: { name: 'a', sub: 's', role: 'r', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'private-key', key: '' } } }), /key must not be empty/);
    assert.equal(requestIdOf({ type: 'run', id: 42, sql: 5 }), 42);
    assert.equal(requestIdOf({ type: 'run', id: '42' }), undefined);
  });

  it('accepts host events and responses, and rejects malformed ones', () => {
    ok(validateHostMessage({ type: 'init', state: initState() }));
    ok(validateHostMessage({ type: 'setSql', sql: 'select 1', run: true }));
    ok(validateHostMessage({ type: 'notify', level: 'error', message: 'x' }));
    ok(validateHostMessage(okResponse<'run'>(3, ranTodos())));
    ok(validateHostMessage(errorResponse(3, 'failed', fixButton(fixAction('openPlayground')))));
    rejects(validateHostMessage({ type: 'init', state: { ...initState(), selectedPath: 'nowhere' } }), /init\.state\.selectedPath/);
    rejects(validateHostMessage({ type: 'init', state: { ...initState(), personas: [{ id: '' }] } }), /personas\[0\]\.id/);
    rejects(validateHostMessage({ type: 'response', id: 1, ok: 'yes', result: {} }), /ok must be true or false/);
    rejects(validateHostMessage({ type: 'response', id: 1, ok: true }), /result is missing/);
    rejects(validateHostMessage({ type: 'response', id: 1, ok: false, error: { message: 'x', fixes: [{ label: 'y', action: 'rmrf' }] } }), /fixes\[0\]\.action/);
    rejects(validateHostMessage({ type: 'eval', code: 'x' }), /unknown event type/);
  });

  it('checks run results deeply: row widths, key columns and hidden indices', () => {
    ok(validateResult('run', ranTodos()));
    ok(validateResult('run', { kind: 'confirm-write', confirmationId: 'c', command: 'DELETE', message: 'sure?' }));
    const badWidth = ranTodos();
    (badWidth.user as { result: { rows: (string | null)[][] } }).result.rows[0] = ['1'];
    rejects(validateResult('run', badWidth), /run result\.user\.result\.rows\[0\] has 1 values for 5 fields/);
    rejects(validateResult('run', { ...ranTodos(), owner: { kind: 'rows', result: { ...ownerTodos(), keyColumns: [9] } } }), /keyColumns refers to column 9/);
    rejects(validateResult('run', { ...ranTodos(), hiddenOwnerRows: [6] }), /hiddenOwnerRows has 6, outside the owner's 6 rows/);
    rejects(validateResult('run', { ...ranTodos(), user: { kind: 'rows', result: { ...ownerTodos(), rows: [[1, 'a', 'b', 'c', 'd']] } } }), /rows\[0\]\[0\] must be a string or null/);
    rejects(validateResult('run', { ...ranTodos(), owner: { kind: 'skipped-write' } }), /owner\.message is missing/);
    assert.equal(isResultSet(ownerTodos()), true);
    assert.equal(isResultSet({ ...ownerTodos(), durationMs: Infinity }), false);
    rejects(validateResult('inspectToken', { header: [], claims: [], expiresAt: null, verification: { status: 'maybe', message: '' }, warnings: [] }), /verification\.status/);
  });

  it('packs rows for the webview and decodes them back, NULL apart from empty text and the text NULL', () => {
    const rows: CellRows = [
      ['1', null, ''],
      ['NULL', 'line one\nline two\r\n', 'say "hi", \\ \u2028 ✓ \ud83d\ude00'],
      ['3', '', null],
      ['4', ' ', 'x'],
      ['5', 'e', 'f'],
    ];
    for (const chunkRows of [1, 2, 256]) {
      const packed = packRows(rows, chunkRows);
      assert.equal(packed.count, 5);
      const reader = new PackedRowReader(packed, 3);
      assert.equal(reader.length, 5);
      // Rows in any order, one chunk at a time, then all at once.
      for (const i of [4, 0, 3, 1, 2]) assert.deepEqual(reader.row(i), rows[i], `row ${i} with ${chunkRows} rows per chunk`);
      assert.deepEqual(reader.all(), rows);
      assert.deepEqual(new PackedRowReader(packed, 3).all(), rows);
    }
    assert.equal(new PackedRowReader(packRows([]), 3).length, 0);
    assert.deepEqual(new PackedRowReader(packRows([]), 3).all(), []);

    // The message posted to the webview carries packed rows; the panel reads back the same rows.
    const wire = packForWebview(okResponse<'run'>(4, ranTodos()));
    assert.ok(wire.type === 'response' && wire.ok);
    const sent = wire.result as RunResponse<PackedRows>;
    assert.ok(sent.kind === 'ran' && sent.owner.kind === 'rows' && typeof sent.owner.result.rows.text === 'string');
    const read = readResult('run', wire.result);
    ok(read);
    const value = (read as { value: RunResponse<PackedRowReader> }).value;
    assert.ok(value.kind === 'ran' && value.owner.kind === 'rows' && value.user.kind === 'rows');
    assert.deepEqual(value.owner.result.rows.all(), ownerTodos().rows);
    assert.deepEqual(value.user.result.rows.row(1), aliceTodos().rows[1]);
    // Other messages pass unchanged; other answers are read as before.
    const notify = { type: 'notify', level: 'info', message: 'x' } as const;
    assert.equal(packForWebview(notify), notify);
    ok(readResult('copy', { copied: true }));
    ok(readResult('run', { kind: 'confirm-write', confirmationId: 'c', command: 'DELETE', message: 'sure?' }));
  });

  it('rejects malformed packed rows: the envelope on arrival, each row as it is decoded', () => {
    const wireRun = (change: (owner: Record<string, unknown>) => void, extra: Record<string, unknown> = {}) => {
      const wire = packForWebview(okResponse<'run'>(4, ranTodos())) as { result: { owner: { result: { rows: Record<string, unknown> } } } };
      change(wire.result.owner.result.rows);
      return { ...wire.result, ...extra };
    };
    rejects(readResult('run', wireRun(() => undefined, { hiddenOwnerRows: [6] })), /hiddenOwnerRows has 6, outside the owner's 6 rows/);
    rejects(readResult('run', wireRun((r) => (r.encoding = 'csv'))), /owner\.result\.rows\.encoding must be one of json-chunks/);
    rejects(readResult('run', wireRun((r) => (r.count = -1))), /rows\.count must be a whole number/);
    rejects(readResult('run', wireRun((r) => (r.chunkRows = 0))), /rows\.chunkRows must be at least 1/);
    rejects(readResult('run', wireRun((r) => (r.text = 5))), /rows\.text must be a string/);
    rejects(readResult('run', wireRun((r) => (r.chunkRows = 1))), /owner\.result\.rows has fewer chunks than its 6 rows need/);
    rejects(readResult('run', wireRun((r) => (r.text = `${r.text as string}\n[]`))), /has more chunks than its 6 rows need/);
    rejects(readResult('run', { ...ranTodos() }), /run result\.user\.result\.rows must be an object/);

    const bad = (rows: unknown[], width = 2): PackedRowReader => new PackedRowReader({ encoding: 'json-chunks', count: rows.length, chunkRows: 2, text: JSON.stringify(rows.slice(0, 2)) + (rows.length > 2 ? `\n${JSON.stringify(rows.slice(2))}` : '') }, width);
    const reader = bad([['a', 'b'], ['c', 'd'], ['e']]);
    assert.deepEqual(reader.row(1), ['c', 'd'], 'a good chunk decodes even when another is bad');
    assert.throws(() => reader.row(2), (e: Error) => e instanceof PackedRowsError && /rows\[2\] has 1 values for 2 fields/.test(e.message));
    assert.throws(() => reader.all(), /rows\[2\] has 1 values for 2 fields/);
    assert.throws(() => bad([['a', 1]]).row(0), /rows\[0\]\[1\] must be a string or null/);
    assert.throws(() => bad([['a', 'b'], 'row']).all(), /rows\[1\] must be an array/);
    assert.throws(() => new PackedRowReader({ encoding: 'json-chunks', count: 2, chunkRows: 2, text: '[["a","b"]]' }, 2).row(0), /does not hold rows 0 to 1/);
    assert.throws(() => new PackedRowReader({ encoding: 'json-chunks', count: 1, chunkRows: 2, text: '[["a",' }, 2).row(0), /not valid JSON/);
    assert.throws(() => new PackedRowReader(packRows([['a', 'b']]), 2).row(1), /does not exist/);
  });

  it('masks passwords in connection strings for display', () => {
    assert.equal(maskConnectionUrl('postgresql://neondb_owner:npg_s3cr3t@ep-x.neon.tech/neondb?sslmode=require'), 'postgresql://neondb_owner:****@ep-x.neon.tech/neondb?sslmode=require');
    assert.equal(maskConnectionUrl('postgres://user@localhost/db'), 'postgres://user@localhost/db');
    assert.equal(maskConnectionUrl("host=x user=u password='p w' dbname=d"), 'host=x user=u password=**** dbname=d');
    assert.equal(maskConnectionUrl('host=x password=secret'), 'host=x password=****');
  });
});

describe('webview HTML shell', () => {
  const nonce = makeNonce();
  const html = renderWebviewHtml({
    cspSource: 'https://*.vscode-cdn.net',
    nonce,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/runAsUser.js',
    styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/media/runAsUser.css'],
    codiconUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/codicons/codicon.css?a=1&b=2',
    title: 'Run as <User>',
    bodyClass: 'panel "x"',
  });

  it('has a strict CSP: nonce scripts only, styles and fonts from the extension, nothing inline', () => {
    assert.equal(
      contentSecurityPolicy('https://*.vscode-cdn.net', nonce),
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src https://*.vscode-cdn.net; font-src https://*.vscode-cdn.net; img-src https://*.vscode-cdn.net data:; base-uri 'none'; form-action 'none'`,
    );
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-${nonce}&#39;;`));
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/media/runAsUser.js"></script>`));
    assert.doesNotMatch(html, /<style|style=/);
    assert.doesNotMatch(html, /\son[a-z]+=/);
  });

  it('links codicons before the panel stylesheet and escapes what it embeds', () => {
    const links = [...html.matchAll(/<link rel="stylesheet" href="([^"]*)">/g)].map((m) => m[1]);
    assert.deepEqual(links, ['https://file+.vscode-resource.vscode-cdn.net/ext/codicons/codicon.css?a=1&amp;b=2', 'https://file+.vscode-resource.vscode-cdn.net/ext/media/runAsUser.css']);
    assert.ok(html.includes('<title>Run as &lt;User&gt;</title>'));
    assert.ok(html.includes('<body class="panel &quot;x&quot;">'));
  });

  it('refuses a weak nonce or a cspSource that could widen the policy', () => {
    const base = { scriptUri: 's', styleUris: [], title: 't' };
    assert.throws(() => renderWebviewHtml({ ...base, cspSource: 'https://x', nonce: 'short' }), /nonce/);
    assert.throws(() => renderWebviewHtml({ ...base, cspSource: "https://x; script-src 'unsafe-inline'", nonce }), /cspSource/);
    assert.throws(() => renderWebviewHtml({ ...base, cspSource: '', nonce }), /cspSource/);
    assert.throws(() => renderWebviewHtml({ ...base, cspSource: "'self' https://x 'unsafe-inline'", nonce }), /cspSource/);
  });

  it("accepts the source list VS Code really gives ('self' https://*.vscode-cdn.net)", () => {
    const html = renderWebviewHtml({ scriptUri: 's', styleUris: [], title: 't', cspSource: "'self' https://*.vscode-cdn.net", nonce: makeNonce() });
    assert.match(html, /style-src &#39;self&#39; https:\/\/\*\.vscode-cdn\.net;/);
  });

  it('makes a fresh 128-bit nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, makeNonce));
    assert.equal(nonces.size, 100);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9_-]{22}$/);
  });
});
