// Results, personas and token inspections shaped like what the engine returns for the seeds' todos table.
import type { InitState, ResultSet, RunResponse, SavedPersona, TokenInspection } from '../../src/core/runAsUserProtocol';

export const OID = { int8: 20, int4: 23, text: 25, bool: 16, jsonb: 3802, timestamp: 1114, numeric: 1700, float8: 701 } as const;

export const ALICE = 'user_2alice';
export const BOB = 'user_2bob';

const todoFields = [
  { name: 'id', dataTypeID: OID.int8 },
  { name: 'user_id', dataTypeID: OID.text },
  { name: 'task', dataTypeID: OID.text },
  { name: 'is_complete', dataTypeID: OID.bool },
  { name: 'inserted_at', dataTypeID: OID.timestamp },
];

/** The owner's view: 6 todos, 2 of them alice's (ids 1 and 10: numeric sort puts 10 last). */
export const todoRows: (string | null)[][] = [
  ['1', ALICE, 'Buy milk', 'f', '2026-01-05 09:00:00'],
  ['2', BOB, 'Walk the dog', 't', '2026-01-05 09:10:00'],
  ['3', BOB, 'Pay "rent", today', 'f', '2026-01-05 09:20:00'],
  ['10', ALICE, 'line one\nline two', 't', '2026-01-06 10:00:00'],
  ['4', BOB, '', 'f', '2026-01-06 11:00:00'],
  ['5', BOB, null, null, '2026-01-07 12:00:00'],
];

export function resultSet(fields: ResultSet['fields'], rows: (string | null)[][], extra: Partial<ResultSet> = {}): ResultSet {
  return { fields, rows, rowCount: rows.length, command: 'SELECT', durationMs: 3.2, ...extra };
}

export const ownerTodos = (): ResultSet => resultSet(todoFields, todoRows, { keyColumns: [0], durationMs: 4.5 });
export const aliceTodos = (): ResultSet => resultSet(todoFields, todoRows.filter((r) => r[1] === ALICE), { durationMs: 7.25 });

export function ranTodos(user: ResultSet = aliceTodos(), owner: ResultSet = ownerTodos()): Extract<RunResponse, { kind: 'ran' }> {
  return {
    kind: 'ran',
    path: 'playground',
    pathLabel: 'Playground (embedded Postgres, role authenticated)',
    identityLabel: 'alice (role authenticated)',
    user: { kind: 'rows', result: user },
    owner: { kind: 'rows', result: owner },
    notes: [],
  };
}

export const personas: SavedPersona[] = [
  { id: 'p-alice', name: 'alice', sub: ALICE, role: 'authenticated', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'playground' } },
  { id: 'p-bob', name: 'bob', sub: BOB, role: 'authenticated', expiresIn: '1h', extraClaims: '{"org":"acme"}', keySource: { kind: 'private-key', label: 'key stack-1' } },
];

export function initState(overrides: Partial<InitState> = {}): InitState {
  return {
    sql: 'select * from todos order by id',
    sqlHistory: ['select * from todos order by id', 'select count(*) from todos', "update todos set is_complete = true where task = 'Buy milk'"],
    personas,
    paths: [
      { path: 'authorize-http', label: 'Neon Authorize HTTP', available: false, unavailableReason: 'no authenticated connection string', description: 'neon(DATABASE_AUTHENTICATED_URL, { authToken })' },
      { path: 'self-verified', label: 'Self-verified claims', available: true, description: 'JWKS checked in the extension, then request.jwt.claims and role authenticated in one transaction' },
      { path: 'playground', label: 'Playground', available: true, description: 'The embedded Postgres with the playground signing key' },
    ],
    selectedPath: 'playground',
    connectionLabel: 'postgresql://neondb_owner:••••@ep-quiet-sky-123.eu-central-1.aws.neon.tech/neondb',
    playgroundKeyAvailable: true,
    ...overrides,
  };
}

/** A base64url JWT-shaped string (the panel never parses tokens itself; the host inspects them). */
export const PASTED_TOKEN = 'eyJhbGciOiJFUzI1NiIsImtpZCI6InBsYXlncm91bmQifQ.eyJzdWIiOiJ1c2VyXzJhbGljZSJ9.c2lnbmF0dXJlLXRoYXQtaXMtbm90LXJlYWw';

export function inspection(expiresAt: number | null): TokenInspection {
  return {
    header: [
      { name: 'alg', value: '"ES256"' },
      { name: 'kid', value: '"playground"' },
      { name: 'typ', value: '"JWT"' },
    ],
    claims: [
      { name: 'sub', value: `"${ALICE}"` },
      { name: 'role', value: '"authenticated"' },
      { name: 'iat', value: '1767603600', readable: '2026-01-05 09:00:00 UTC' },
      ...(expiresAt === null ? [] : [{ name: 'exp', value: String(expiresAt), readable: `${new Date(expiresAt * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC` }]),
    ],
    expiresAt,
    verification: { status: 'verified', message: 'Signature checked with key "playground" from the playground JWKS.' },
    warnings: [{ code: 'aud-mismatch', level: 'warning', message: 'The token has no aud claim, but the provider was registered with audience "my-app".' }],
  };
}
