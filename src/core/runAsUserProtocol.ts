// The one message protocol between the extension host and the "Run as User" webview panel.
//
// Handshake: the webview posts `{type:'ready'}` once its script has loaded; the host answers with an
// `init` event carrying the whole starting state. After that:
// - webview → host: requests, each with a numeric `id`; the host answers every request exactly once with
//   `{type:'response', id, ok:true, result}` or `{type:'response', id, ok:false, error:{message, action?}}`.
// - host → webview: responses and events (pushed state changes).
// Both sides must treat incoming messages as untrusted: validate with the guards at the end of this file.
//
// Secrets: tokens travel webview → host only inside requests (pasted token, private signing key), and
// host → webview only as a freshly minted token the user asked for. The connection label the host sends
// has its password masked (use `maskConnectionPassword`).

// ---------------------------------------------------------------------------------------------
// Shared data shapes
// ---------------------------------------------------------------------------------------------

/** How the user side is run (neon-facts §0): Neon Authorize HTTP, self-verified claims, or the playground. */
export type RunPath = 'authorize-http' | 'self-verified' | 'playground';
export const RUN_PATHS: readonly RunPath[] = ['authorize-http', 'self-verified', 'playground'];

export interface PathOption {
  path: RunPath;
  /** Shown in the selector, e.g. "Neon Authorize HTTP (authToken)". */
  label: string;
  available: boolean;
  /** Why the path cannot be used right now, shown when `available` is false. */
  unavailableReason?: string;
  /** One line saying what the path does, shown under the selector. */
  description?: string;
}

export interface ResultField {
  name: string;
  /** Postgres type OID (from the driver's `fields`). */
  dataTypeID: number;
  typeName?: string;
}

/** Postgres text form of a value; null is SQL NULL. */
export type Cell = string | null;
export type CellRows = Cell[][];

/** A result with its rows in some form: `CellRows` in the extension, `PackedRows` on the way to the
 *  webview, `PackedRowReader` in the webview (see "Rows on the wire" below). */
export interface ResultSetOf<Rows> {
  fields: ResultField[];
  rows: Rows;
  rowCount: number | null;
  /** First word of the command tag: SELECT, INSERT, UPDATE, ... */
  command: string;
  durationMs: number;
  /** Indices into `fields` of the primary-key columns, when the result carries the whole key. */
  keyColumns?: number[];
}

export type ResultSet = ResultSetOf<CellRows>;

/** Fix buttons the panel can show; the host runs the matching command. */
export type FixActionId =
  | 'scaffoldGrants'
  | 'installPgSessionJwt'
  | 'addProvider'
  | 'scaffoldPolicies'
  | 'enableRls'
  | 'chooseConnection'
  | 'openPlayground'
  | 'openSettings';
export const FIX_ACTION_IDS: readonly FixActionId[] = [
  'scaffoldGrants',
  'installPgSessionJwt',
  'addProvider',
  'scaffoldPolicies',
  'enableRls',
  'chooseConnection',
  'openPlayground',
  'openSettings',
];

export interface FixAction {
  label: string;
  action: FixActionId;
  /** Optional target of the fix, e.g. the table named in "permission denied for table todos". */
  target?: string;
}

/** An error translated for people: what happened, what to do, and the fixes that exist. */
export interface ExplainedError {
  title: string;
  message: string;
  /** SQLSTATE or the proxy's error code, when there is one. */
  code?: string;
  detail?: string;
  hint?: string;
  fixes?: FixAction[];
}

/** One side of a run: rows, or an explained error. `caption` overrides the grid title. */
export type SideOutcome<Rows = CellRows> =
  | { kind: 'rows'; result: ResultSetOf<Rows>; caption?: string }
  | { kind: 'error'; error: ExplainedError };

/** The owner's side is also skipped for a write that has no table to show afterwards. */
export type OwnerOutcome<Rows = CellRows> = SideOutcome<Rows> | { kind: 'skipped-write'; message: string };

export interface RunNote {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface RunResult<Rows = CellRows> {
  path: RunPath;
  /** e.g. "Self-verified claims on neon-main (role authenticated)". */
  pathLabel: string;
  /** Who the user side ran as, e.g. "alice (role authenticated)" or "anonymous". */
  identityLabel: string;
  user: SideOutcome<Rows>;
  owner: OwnerOutcome<Rows>;
  /** Indices into the owner's rows the user does not see (from `markHiddenRows`). When absent and both
   *  sides have rows, the panel computes them itself. */
  hiddenOwnerRows?: number[];
  hiddenMatchedBy?: 'primary-key' | 'whole-row';
  notes: RunNote[];
}

/** Run answer: either the result, or a request to confirm a write before it runs (once, user side only). */
export type RunResponse<Rows = CellRows> =
  | ({ kind: 'ran' } & RunResult<Rows>)
  | {
      kind: 'confirm-write';
      /** Echo it in the next `run` as `confirmWriteId` to run exactly this statement. */
      confirmationId: string;
      /** INSERT, UPDATE, DELETE, MERGE, ... */
      command: string;
      /** The table the owner's side will show after the write, when known. */
      table?: string;
      message: string;
    };

/** Where the token for the user side comes from. */
export type TokenSource =
  | { kind: 'pasted'; token: string }
  | { kind: 'persona'; personaId: string }
  | { kind: 'anonymous' };

/** The key that signs a minted token. A private key travels to the host once (mint or save); saved
 *  personas refer to it by label only, and editing one reuses its stored key with `stored-key`. */
export type SigningKeySource =
  | { kind: 'playground' }
  | { kind: 'private-key'; key: string /* PKCS#8 PEM or private JWK JSON */; kid?: string; alg?: 'ES256' | 'RS256' }
  | { kind: 'stored-key'; personaId: string; kid?: string; alg?: 'ES256' | 'RS256' };

export interface PersonaDraft {
  name: string;
  sub: string;
  role: string;
  /** jose time span: "1h", "30m", "7d", or seconds. */
  expiresIn: string;
  /** JSON object text merged into the claims. */
  extraClaims: string;
  keySource: SigningKeySource;
}

export interface SavedPersona {
  id: string;
  name: string;
  sub: string;
  role: string;
  expiresIn: string;
  extraClaims: string;
  keySource: { kind: 'playground' } | { kind: 'private-key'; label: string };
}

export interface ClaimRow {
  name: string;
  /** JSON text of the value. */
  value: string;
  /** For times: e.g. "2026-03-01 12:00:00 UTC (in 59 min)". */
  readable?: string;
}

export type TokenWarningCode =
  | 'malformed'
  | 'no-kid'
  | 'alg-unsupported'
  | 'aud-mismatch'
  | 'no-role'
  | 'no-sub'
  | 'expired'
  | 'not-yet-valid'
  | 'far-future-exp'
  | 'no-exp'
  | 'other';

export interface TokenWarning {
  code: TokenWarningCode | string;
  level: 'error' | 'warning' | 'info';
  message: string;
}

export interface TokenVerification {
  status: 'verified' | 'failed' | 'not-checked';
  /** e.g. "Signature verified with key abc from https://…/jwks.json" or why it failed. */
  message: string;
}

export interface TokenInspection {
  header: ClaimRow[];
  claims: ClaimRow[];
  /** `exp` in seconds since the epoch, null when the token has none. */
  expiresAt: number | null;
  verification: TokenVerification;
  warnings: TokenWarning[];
}

export interface InitState {
  sql: string;
  /** Most recent first. */
  sqlHistory: string[];
  personas: SavedPersona[];
  paths: PathOption[];
  selectedPath: RunPath | null;
  /** Connection in use, password masked. */
  connectionLabel: string;
  /** Whether the playground signing key can mint tokens. */
  playgroundKeyAvailable: boolean;
  /** Run `sql` right after init (the "Run as User" command on a selection). */
  runOnOpen?: boolean;
}

export type ExportFormat = 'csv' | 'json';
export type GridSide = 'user' | 'owner';

// ---------------------------------------------------------------------------------------------
// webview → host
// ---------------------------------------------------------------------------------------------

export interface ReadyMessage {
  type: 'ready';
}

export interface RunRequest {
  type: 'run';
  id: number;
  sql: string;
  token: TokenSource;
  path: RunPath;
  confirmWriteId?: string;
}
export interface CancelRunRequest {
  type: 'cancelRun';
  id: number;
  /** The `id` of the run request to cancel. */
  runId: number;
}
export interface MintTokenRequest {
  type: 'mintToken';
  id: number;
  persona: PersonaDraft;
}
export interface SavePersonaRequest {
  type: 'savePersona';
  id: number;
  persona: PersonaDraft;
  /** Replace this saved persona; a new one is created when absent. */
  replaceId?: string;
}
export interface DeletePersonaRequest {
  type: 'deletePersona';
  id: number;
  personaId: string;
}
export interface InspectTokenRequest {
  type: 'inspectToken';
  id: number;
  token: TokenSource;
  path: RunPath;
}
export interface ExportRequest {
  type: 'export';
  id: number;
  format: ExportFormat;
  grid: GridSide;
  /** The text the webview built (CSV or JSON of the rows on screen). */
  content: string;
  suggestedName: string;
}
export interface CopyRequest {
  type: 'copy';
  id: number;
  what: 'cell' | 'row';
  text: string;
}
export interface RunFixRequest {
  type: 'runFix';
  id: number;
  action: FixActionId;
  target?: string;
}

export type WebviewRequest =
  | RunRequest
  | CancelRunRequest
  | MintTokenRequest
  | SavePersonaRequest
  | DeletePersonaRequest
  | InspectTokenRequest
  | ExportRequest
  | CopyRequest
  | RunFixRequest;

export type WebviewToHost = ReadyMessage | WebviewRequest;

/** What the host answers to each request type. */
export interface RequestResults {
  run: RunResponse;
  cancelRun: { cancelled: boolean };
  mintToken: { token: string; inspection: TokenInspection };
  savePersona: { persona: SavedPersona };
  deletePersona: { deleted: boolean };
  inspectToken: TokenInspection;
  export: { saved: boolean; location?: string };
  copy: { copied: boolean };
  runFix: { message?: string };
}

export type RequestType = WebviewRequest['type'];
export type RequestOf<T extends RequestType> = Extract<WebviewRequest, { type: T }>;
export type ResultOf<T extends RequestType> = RequestResults[T];

// ---------------------------------------------------------------------------------------------
// host → webview
// ---------------------------------------------------------------------------------------------

export interface ResponseError {
  message: string;
  action?: FixAction;
}

export type ResponseMessage<T extends RequestType = RequestType> =
  | { type: 'response'; id: number; ok: true; result: ResultOf<T> }
  | { type: 'response'; id: number; ok: false; error: ResponseError };

export type HostEvent =
  | { type: 'init'; state: InitState }
  /** Put a statement in the editor (e.g. from a SQL editor selection), optionally running it. */
  | { type: 'setSql'; sql: string; run?: boolean }
  | { type: 'historyChanged'; sqlHistory: string[] }
  | { type: 'personasChanged'; personas: SavedPersona[] }
  | { type: 'connectionChanged'; connectionLabel: string; paths: PathOption[]; selectedPath: RunPath | null }
  | { type: 'notify'; level: 'info' | 'warning' | 'error'; message: string };

export type HostToWebview = ResponseMessage | HostEvent;

// ---------------------------------------------------------------------------------------------
// Helpers for the host
// ---------------------------------------------------------------------------------------------

export function okResponse<T extends RequestType>(id: number, result: ResultOf<T>): ResponseMessage<T> {
  return { type: 'response', id, ok: true, result };
}

export function errorResponse(id: number, message: string, action?: FixAction): ResponseMessage {
  return { type: 'response', id, ok: false, error: action ? { message, action } : { message } };
}

/** Replaces the password of a postgres:// URL (or a `password=` keyword) with "••••" for display. */
export function maskConnectionPassword(connection: string): string {
  return connection
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@/?#\s]*@/i, '$1:••••@')
    .replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)/gi, '$1••••');
}

// ---------------------------------------------------------------------------------------------
// Validation: both sides check every incoming message before acting on it.
// ---------------------------------------------------------------------------------------------

/** Upper bounds that keep a malformed or hostile message from doing damage. */
export const LIMITS = {
  sqlChars: 1_000_000,
  tokenChars: 64 * 1024,
  keyChars: 64 * 1024,
  shortText: 4096,
  idChars: 256,
} as const;

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

type Check = (v: unknown, at: string) => string | undefined;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str =
  (max: number = LIMITS.shortText): Check =>
  (v, at) =>
    typeof v !== 'string' ? `${at} must be a string` : v.length > max ? `${at} is longer than ${max} characters` : undefined;

const nonEmptyStr =
  (max: number = LIMITS.shortText): Check =>
  (v, at) =>
    str(max)(v, at) ?? ((v as string).length === 0 ? `${at} must not be empty` : undefined);

const int: Check = (v, at) => (Number.isSafeInteger(v) ? undefined : `${at} must be an integer`);
const finiteNumber: Check = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `${at} must be a number`);
const bool: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at} must be true or false`);

const oneOf =
  (values: readonly string[]): Check =>
  (v, at) =>
    typeof v === 'string' && values.includes(v) ? undefined : `${at} must be one of ${values.join(', ')}`;

const nullable =
  (check: Check): Check =>
  (v, at) =>
    v === null ? undefined : check(v, at);

const arrayOf =
  (check: Check): Check =>
  (v, at) => {
    if (!Array.isArray(v)) return `${at} must be an array`;
    for (let i = 0; i < v.length; i++) {
      // The element's path is only built for the message when it fails: arrays can be long.
      if (check(v[i], at) !== undefined) return check(v[i], `${at}[${i}]`);
    }
    return undefined;
  };

/** Checks an object's fields; keys ending in `?` are optional (undefined allowed). */
const object =
  (shape: Record<string, Check>): Check =>
  (v, at) => {
    if (!isRecord(v)) return `${at} must be an object`;
    for (const [rawKey, check] of Object.entries(shape)) {
      const optional = rawKey.endsWith('?');
      const key = optional ? rawKey.slice(0, -1) : rawKey;
      const value = v[key];
      if (value === undefined) {
        if (optional) continue;
        return `${at}.${key} is missing`;
      }
      const e = check(value, `${at}.${key}`);
      if (e) return e;
    }
    return undefined;
  };

/** A discriminated union: picks the shape by `kind` (or another tag field). */
const tagged =
  (tag: string, shapes: Record<string, Check>): Check =>
  (v, at) => {
    if (!isRecord(v)) return `${at} must be an object`;
    const t = v[tag];
    if (typeof t !== 'string' || !Object.hasOwn(shapes, t)) return `${at}.${tag} must be one of ${Object.keys(shapes).join(', ')}`;
    return shapes[t](v, at);
  };

const runPath = oneOf(RUN_PATHS);
const fixActionId = oneOf(FIX_ACTION_IDS);

const fixAction = object({ label: str(), action: fixActionId, 'target?': str() });

const explainedError = object({
  title: str(),
  message: str(LIMITS.sqlChars),
  'code?': str(),
  'detail?': str(LIMITS.sqlChars),
  'hint?': str(LIMITS.sqlChars),
  'fixes?': arrayOf(fixAction),
});

/** One row's cells: exactly `width` values, each text or NULL. */
function checkRow(row: unknown, width: number, at: string): string | undefined {
  if (!Array.isArray(row)) return `${at} must be an array`;
  for (let c = 0; c < row.length; c++) {
    const cell = row[c];
    if (cell !== null && typeof cell !== 'string') return `${at}[${c}] must be a string or null`;
  }
  return row.length === width ? undefined : `${at} has ${row.length} values for ${width} fields`;
}

const cellRows: Check = (v, at) => {
  // Hand-written loop: results can have a million rows, so no per-cell closures or messages.
  if (!Array.isArray(v)) return `${at} must be an array`;
  for (let r = 0; r < v.length; r++) {
    const row = v[r];
    if (!Array.isArray(row)) return `${at}[${r}] must be an array`;
    for (let c = 0; c < row.length; c++) {
      const cell = row[c];
      if (cell !== null && typeof cell !== 'string') return `${at}[${r}][${c}] must be a string or null`;
    }
  }
  return undefined;
};

/** Only the envelope: the cells are checked as the webview decodes them (PackedRowReader). */
const wholeNumber: Check = (v, at) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : `${at} must be a whole number`);
const packedRows = object({
  encoding: oneOf(['json-chunks']),
  count: wholeNumber,
  chunkRows: (v, at) => wholeNumber(v, at) ?? (v === 0 ? `${at} must be at least 1` : undefined),
  text: (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string`),
});

const rowCountOf = (rows: CellRows | PackedRows): number => (Array.isArray(rows) ? rows.length : rows.count);

const resultSetWith = (rowsCheck: Check): Check => {
  const shape = object({
    fields: arrayOf(object({ name: str(), dataTypeID: int, 'typeName?': str() })),
    rows: rowsCheck,
    rowCount: nullable(int),
    command: str(),
    durationMs: finiteNumber,
    'keyColumns?': arrayOf(int),
  });
  return (v, at) => {
    const e = shape(v, at);
    if (e) return e;
    const rs = v as ResultSetOf<CellRows | PackedRows>;
    const width = rs.fields.length;
    if (Array.isArray(rs.rows)) {
      for (let r = 0; r < rs.rows.length; r++) {
        if (rs.rows[r].length !== width) return `${at}.rows[${r}] has ${rs.rows[r].length} values for ${width} fields`;
      }
    }
    for (const k of rs.keyColumns ?? []) {
      if (k < 0 || k >= width) return `${at}.keyColumns refers to column ${k}, which does not exist`;
    }
    return undefined;
  };
};

const runNote = object({ level: oneOf(['info', 'warning', 'error']), message: str() });

/** A run answer whose result sets' rows pass `rowsCheck` (cell arrays in the extension, packed on the wire). */
const runResponseWith = (rowsCheck: Check): Check => {
  const resultSet = resultSetWith(rowsCheck);
  const sideOutcome = tagged('kind', {
    rows: object({ kind: str(), result: resultSet, 'caption?': str() }),
    error: object({ kind: str(), error: explainedError }),
  });
  const ownerOutcome = tagged('kind', {
    rows: object({ kind: str(), result: resultSet, 'caption?': str() }),
    error: object({ kind: str(), error: explainedError }),
    'skipped-write': object({ kind: str(), message: str() }),
  });
  const ran = object({
    path: runPath,
    pathLabel: str(),
    identityLabel: str(),
    user: sideOutcome,
    owner: ownerOutcome,
    'hiddenOwnerRows?': arrayOf(int),
    'hiddenMatchedBy?': oneOf(['primary-key', 'whole-row']),
    notes: arrayOf(runNote),
  });
  return tagged('kind', {
    ran: (v, at) => {
      const e = ran(v, at);
      if (e) return e;
      const r = v as RunResult<CellRows | PackedRows>;
      if (r.hiddenOwnerRows && r.owner.kind === 'rows') {
        const n = rowCountOf(r.owner.result.rows);
        for (const i of r.hiddenOwnerRows) if (i < 0 || i >= n) return `${at}.hiddenOwnerRows has ${i}, outside the owner's ${n} rows`;
      }
      return undefined;
    },
    'confirm-write': object({ kind: str(), confirmationId: nonEmptyStr(LIMITS.idChars), command: str(), 'table?': str(), message: str() }),
  });
};

const resultSet = resultSetWith(cellRows);
const runResponse = runResponseWith(cellRows);
const packedRunResponse = runResponseWith(packedRows);

const tokenSource = tagged('kind', {
  pasted: object({ kind: str(), token: nonEmptyStr(LIMITS.tokenChars) }),
  persona: object({ kind: str(), personaId: nonEmptyStr(LIMITS.idChars) }),
  anonymous: object({ kind: str() }),
});

const signingKeySource = tagged('kind', {
  playground: object({ kind: str() }),
  'private-key': object({ kind: str(), key: nonEmptyStr(LIMITS.keyChars), 'kid?': str(), 'alg?': oneOf(['ES256', 'RS256']) }),
  'stored-key': object({ kind: str(), personaId: nonEmptyStr(LIMITS.idChars), 'kid?': str(), 'alg?': oneOf(['ES256', 'RS256']) }),
});

const personaDraft = object({
  name: str(),
  sub: str(),
  role: str(),
  expiresIn: str(),
  extraClaims: str(LIMITS.tokenChars),
  keySource: signingKeySource,
});

const savedPersona = object({
  id: nonEmptyStr(LIMITS.idChars),
  name: str(),
  sub: str(),
  role: str(),
  expiresIn: str(),
  extraClaims: str(LIMITS.tokenChars),
  keySource: tagged('kind', {
    playground: object({ kind: str() }),
    'private-key': object({ kind: str(), label: str() }),
  }),
});

const claimRow = object({ name: str(), value: str(LIMITS.tokenChars), 'readable?': str() });

const tokenInspection = object({
  header: arrayOf(claimRow),
  claims: arrayOf(claimRow),
  expiresAt: nullable(finiteNumber),
  verification: object({ status: oneOf(['verified', 'failed', 'not-checked']), message: str() }),
  warnings: arrayOf(object({ code: str(), level: oneOf(['error', 'warning', 'info']), message: str() })),
});

const pathOption = object({
  path: runPath,
  label: str(),
  available: bool,
  'unavailableReason?': str(),
  'description?': str(),
});

const initState = object({
  sql: str(LIMITS.sqlChars),
  sqlHistory: arrayOf(str(LIMITS.sqlChars)),
  personas: arrayOf(savedPersona),
  paths: arrayOf(pathOption),
  selectedPath: nullable(runPath),
  connectionLabel: str(),
  playgroundKeyAvailable: bool,
  'runOnOpen?': bool,
});

const requestShapes: { [T in RequestType]: Check } = {
  run: object({ type: str(), id: int, sql: nonEmptyStr(LIMITS.sqlChars), token: tokenSource, path: runPath, 'confirmWriteId?': nonEmptyStr(LIMITS.idChars) }),
  cancelRun: object({ type: str(), id: int, runId: int }),
  mintToken: object({ type: str(), id: int, persona: personaDraft }),
  savePersona: object({ type: str(), id: int, persona: personaDraft, 'replaceId?': nonEmptyStr(LIMITS.idChars) }),
  deletePersona: object({ type: str(), id: int, personaId: nonEmptyStr(LIMITS.idChars) }),
  inspectToken: object({ type: str(), id: int, token: tokenSource, path: runPath }),
  export: object({ type: str(), id: int, format: oneOf(['csv', 'json']), grid: oneOf(['user', 'owner']), content: (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string`), suggestedName: nonEmptyStr(255) }),
  copy: object({ type: str(), id: int, what: oneOf(['cell', 'row']), text: (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string`) }),
  runFix: object({ type: str(), id: int, action: fixActionId, 'target?': str() }),
};

/** Result validators, so the webview can check a response against the request it sent. */
const resultShapes: { [T in RequestType]: Check } = {
  run: runResponse,
  cancelRun: object({ cancelled: bool }),
  mintToken: object({ token: nonEmptyStr(LIMITS.tokenChars), inspection: tokenInspection }),
  savePersona: object({ persona: savedPersona }),
  deletePersona: object({ deleted: bool }),
  inspectToken: tokenInspection,
  export: object({ saved: bool, 'location?': str() }),
  copy: object({ copied: bool }),
  runFix: object({ 'message?': str() }),
};

const eventShapes: { [T in HostEvent['type']]: Check } = {
  init: object({ type: str(), state: initState }),
  setSql: object({ type: str(), sql: str(LIMITS.sqlChars), 'run?': bool }),
  historyChanged: object({ type: str(), sqlHistory: arrayOf(str(LIMITS.sqlChars)) }),
  personasChanged: object({ type: str(), personas: arrayOf(savedPersona) }),
  connectionChanged: object({ type: str(), connectionLabel: str(), paths: arrayOf(pathOption), selectedPath: nullable(runPath) }),
  notify: object({ type: str(), level: oneOf(['info', 'warning', 'error']), message: str() }),
};

const responseShape: Check = (v, at) => {
  if (!isRecord(v)) return `${at} must be an object`;
  const shape =
    v.ok === true
      ? object({ type: str(), id: int, result: (r, a) => (r === undefined ? `${a} is missing` : undefined) })
      : v.ok === false
        ? object({ type: str(), id: int, error: object({ message: str(), 'action?': fixAction }) })
        : () => `${at}.ok must be true or false`;
  return shape(v, at);
};

function validated<T>(value: unknown, check: Check, at: string): Validation<T> {
  const error = check(value, at);
  return error ? { ok: false, error } : { ok: true, value: value as T };
}

export function isRequestType(t: unknown): t is RequestType {
  return typeof t === 'string' && Object.hasOwn(requestShapes, t);
}

/** Host side: checks a message from the webview. On failure, answer with `errorResponse(requestIdOf(msg), …)`
 *  when the message has a usable id. */
export function validateWebviewMessage(msg: unknown): Validation<WebviewToHost> {
  if (!isRecord(msg)) return { ok: false, error: 'message must be an object' };
  if (msg.type === 'ready') return { ok: true, value: { type: 'ready' } };
  if (!isRequestType(msg.type)) return { ok: false, error: `unknown message type ${JSON.stringify(String(msg.type)).slice(0, 80)}` };
  return validated<WebviewToHost>(msg, requestShapes[msg.type], msg.type);
}

export function isWebviewToHost(msg: unknown): msg is WebviewToHost {
  return validateWebviewMessage(msg).ok;
}

/** The id of a request-shaped message, even when the rest of it is invalid (so the host can still answer). */
export function requestIdOf(msg: unknown): number | undefined {
  return isRecord(msg) && Number.isSafeInteger(msg.id) ? (msg.id as number) : undefined;
}

/** Webview side: checks a message from the host (responses are checked against their request later). */
export function validateHostMessage(msg: unknown): Validation<HostToWebview> {
  if (!isRecord(msg) || typeof msg.type !== 'string') return { ok: false, error: 'message must be an object with a type' };
  if (msg.type === 'response') return validated<HostToWebview>(msg, responseShape, 'response');
  if (!Object.hasOwn(eventShapes, msg.type)) return { ok: false, error: `unknown event type ${JSON.stringify(msg.type).slice(0, 80)}` };
  return validated<HostToWebview>(msg, eventShapes[msg.type as HostEvent['type']], msg.type);
}

export function isHostToWebview(msg: unknown): msg is HostToWebview {
  return validateHostMessage(msg).ok;
}

/** Checks the `result` of a successful response against the type of the request it answers. */
export function validateResult<T extends RequestType>(type: T, result: unknown): Validation<ResultOf<T>> {
  return validated<ResultOf<T>>(result, resultShapes[type], `${type} result`);
}

/** Host side: checks a result before sending it (catches engine bugs before they reach the panel). */
export function isResultOf<T extends RequestType>(type: T, result: unknown): result is ResultOf<T> {
  return validateResult(type, result).ok;
}

export function isResultSet(v: unknown): v is ResultSet {
  return resultSet(v, 'result') === undefined;
}

export function isExplainedError(v: unknown): v is ExplainedError {
  return explainedError(v, 'error') === undefined;
}

// ---------------------------------------------------------------------------------------------
// Rows on the wire: the extension packs each result's rows into one string (`packForWebview`), which is
// cheap to post however many rows there are; the webview checks the envelope on arrival and decodes only
// the rows it shows (`readResult`, `PackedRowReader`); sort, filter and export decode all rows on demand.
// ---------------------------------------------------------------------------------------------

/** The rows as JSON in chunks: each line of `text` is a JSON array of `chunkRows` rows (the last one may
 *  be shorter), lines separated by "\n". JSON escapes every line break inside a value, so "\n" only ever
 *  separates chunks; NULL is `null`, apart from "" and from the text "NULL". Chunks, not one line per row:
 *  one JSON.stringify per row costs the extension twice as much as one per chunk. */
export interface PackedRows {
  encoding: 'json-chunks';
  count: number;
  chunkRows: number;
  text: string;
}

/** Rows per chunk: decoding one chunk to show a row in view stays far below a millisecond. */
export const PACKED_CHUNK_ROWS = 256;

export function packRows(rows: CellRows, chunkRows = PACKED_CHUNK_ROWS): PackedRows {
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += chunkRows) chunks.push(JSON.stringify(rows.slice(i, i + chunkRows)));
  return { encoding: 'json-chunks', count: rows.length, chunkRows, text: chunks.join('\n') };
}

/** A response as it travels to the webview: a run's rows are packed, and every result is checked again
 *  against the request it answers (`readResult`). */
export type WireResponseMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: ResponseError };
export type WireHostToWebview = WireResponseMessage | HostEvent;

const packSide = (side: OwnerOutcome): OwnerOutcome<PackedRows> =>
  side.kind === 'rows' ? { ...side, result: { ...side.result, rows: packRows(side.result.rows) } } : side;

/** Host side: what to hand to `webview.postMessage` for a message. Only run answers change (the one
 *  result with `kind: 'ran'`). */
export function packForWebview(message: HostToWebview): WireHostToWebview {
  if (message.type !== 'response' || !message.ok) return message;
  const result = message.result as unknown;
  if (!isRecord(result) || result.kind !== 'ran') return message;
  const ran = result as unknown as { kind: 'ran' } & RunResult;
  return { ...message, result: { ...ran, user: packSide(ran.user), owner: packSide(ran.owner) } };
}

/** Thrown when a packed row does not decode to `width` cells of text or NULL. */
export class PackedRowsError extends Error {}

/** The webview's view of packed rows: `row(i)` decodes the chunk holding row i (what the grid shows),
 *  `all()` decodes every row once and keeps them (sort, filter, export). Each decoded row is checked. */
export class PackedRowReader {
  readonly length: number;
  private readonly text: string;
  private readonly chunkRows: number;
  /** Start of chunk k at starts[k]; starts[chunks] is one past the end of the text. */
  private readonly starts: Uint32Array;
  /** Decoded chunks, kept: a grid only decodes the chunks it has shown. */
  private readonly chunks: (CellRows | undefined)[];
  private decoded: CellRows | undefined;

  constructor(
    packed: PackedRows,
    private readonly width: number,
    private readonly at = 'rows',
  ) {
    this.length = packed.count;
    this.text = packed.text;
    this.chunkRows = packed.chunkRows;
    const chunkCount = Math.ceil(packed.count / packed.chunkRows);
    this.chunks = new Array(chunkCount);
    this.starts = new Uint32Array(chunkCount + 1);
    // One indexOf per chunk, far cheaper than parsing; it also checks the row count against the text.
    let pos = 0;
    for (let k = 0; k < chunkCount; k++) {
      if (pos > this.text.length) throw new PackedRowsError(`${at} has fewer chunks than its ${packed.count} rows need`);
      this.starts[k] = pos;
      const nl = this.text.indexOf('\n', pos);
      pos = nl === -1 ? this.text.length + 1 : nl + 1;
    }
    if (chunkCount > 0 ? pos !== this.text.length + 1 : this.text !== '') throw new PackedRowsError(`${at} has more chunks than its ${packed.count} rows need`);
    this.starts[chunkCount] = pos;
  }

  row(i: number): Cell[] {
    if (this.decoded) return this.decoded[i];
    if (!(Number.isInteger(i) && i >= 0 && i < this.length)) throw new PackedRowsError(`${this.at}[${i}] does not exist (${this.length} rows)`);
    const k = Math.floor(i / this.chunkRows);
    return (this.chunks[k] ??= this.decodeChunk(k))[i - k * this.chunkRows];
  }

  all(): CellRows {
    if (this.decoded) return this.decoded;
    const rows: CellRows = [];
    for (let k = 0; k < this.chunks.length; k++) {
      const chunk = (this.chunks[k] ??= this.decodeChunk(k));
      for (let j = 0; j < chunk.length; j++) rows.push(chunk[j]);
    }
    this.decoded = rows;
    this.chunks.fill(undefined);
    return rows;
  }

  private decodeChunk(k: number): CellRows {
    const first = k * this.chunkRows;
    const expected = Math.min(this.chunkRows, this.length - first);
    let chunk: unknown;
    try {
      chunk = JSON.parse(this.text.slice(this.starts[k], this.starts[k + 1] - 1));
    } catch {
      throw new PackedRowsError(`${this.at} rows ${first} to ${first + expected - 1} are not valid JSON`);
    }
    if (!Array.isArray(chunk) || chunk.length !== expected) throw new PackedRowsError(`${this.at} does not hold rows ${first} to ${first + expected - 1}`);
    for (let j = 0; j < chunk.length; j++) {
      const e = checkRow(chunk[j], this.width, `${this.at}[${first + j}]`);
      if (e) throw new PackedRowsError(e);
    }
    return chunk as CellRows;
  }
}

/** What the webview works with for each request type: a run's rows come as readers. */
export type ReceivedResultOf<T extends RequestType> = T extends 'run' ? RunResponse<PackedRowReader> : ResultOf<T>;

/** A side's outcome with its rows as a reader (a user side stays a SideOutcome: only rows change). */
const readSide = (side: OwnerOutcome<PackedRows>, at: string): OwnerOutcome<PackedRowReader> =>
  side.kind === 'rows' ? { ...side, result: { ...side.result, rows: new PackedRowReader(side.result.rows, side.result.fields.length, `${at}.result.rows`) } } : side;

/** Webview side: checks the `result` of a successful response against the type of the request it answers
 *  and, for a run, wraps its packed rows in readers (each checks its row count now, its cells on decode). */
export function readResult<T extends RequestType>(type: T, result: unknown): Validation<ReceivedResultOf<T>> {
  if (type !== 'run') return validateResult(type, result) as Validation<ReceivedResultOf<T>>;
  const checked = validated<RunResponse<PackedRows>>(result, packedRunResponse, 'run result');
  if (!checked.ok || checked.value.kind !== 'ran') return checked as Validation<ReceivedResultOf<T>>;
  const ran = checked.value;
  try {
    const value: RunResponse<PackedRowReader> = { ...ran, user: readSide(ran.user, 'run result.user') as SideOutcome<PackedRowReader>, owner: readSide(ran.owner, 'run result.owner') };
    return { ok: true, value: value as ReceivedResultOf<T> };
  } catch (e) {
    if (e instanceof PackedRowsError) return { ok: false, error: e.message };
    throw e;
  }
}
