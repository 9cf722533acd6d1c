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

export interface ResultSet {
  fields: ResultField[];
  /** Postgres text form of every value; null is SQL NULL. */
  rows: (string | null)[][];
  rowCount: number | null;
  /** First word of the command tag: SELECT, INSERT, UPDATE, ... */
  command: string;
  durationMs: number;
  /** Indices into `fields` of the primary-key columns, when the result carries the whole key. */
  keyColumns?: number[];
}

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
export type SideOutcome =
  | { kind: 'rows'; result: ResultSet; caption?: string }
  | { kind: 'error'; error: ExplainedError };

/** The owner's side is also skipped for a write that has no table to show afterwards. */
export type OwnerOutcome = SideOutcome | { kind: 'skipped-write'; message: string };

export interface RunNote {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface RunResult {
  path: RunPath;
  /** e.g. "Self-verified claims on neon-main (role authenticated)". */
  pathLabel: string;
  /** Who the user side ran as, e.g. "alice (role authenticated)" or "anonymous". */
  identityLabel: string;
  user: SideOutcome;
  owner: OwnerOutcome;
  /** Indices into the owner's rows the user does not see (from `markHiddenRows`). When absent and both
   *  sides have rows, the panel computes them itself. */
  hiddenOwnerRows?: number[];
  hiddenMatchedBy?: 'primary-key' | 'whole-row';
  notes: RunNote[];
}

/** Run answer: either the result, or a request to confirm a write before it runs (once, user side only). */
export type RunResponse =
  | ({ kind: 'ran' } & RunResult)
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

const resultSetShape = object({
  fields: arrayOf(object({ name: str(), dataTypeID: int, 'typeName?': str() })),
  rows: cellRows,
  rowCount: nullable(int),
  command: str(),
  durationMs: finiteNumber,
  'keyColumns?': arrayOf(int),
});

const resultSet: Check = (v, at) => {
  const e = resultSetShape(v, at);
  if (e) return e;
  const rs = v as ResultSet;
  const width = rs.fields.length;
  for (let r = 0; r < rs.rows.length; r++) {
    if (rs.rows[r].length !== width) return `${at}.rows[${r}] has ${rs.rows[r].length} values for ${width} fields`;
  }
  for (const k of rs.keyColumns ?? []) {
    if (k < 0 || k >= width) return `${at}.keyColumns refers to column ${k}, which does not exist`;
  }
  return undefined;
};

const sideOutcome = tagged('kind', {
  rows: object({ kind: str(), result: resultSet, 'caption?': str() }),
  error: object({ kind: str(), error: explainedError }),
});

const ownerOutcome = tagged('kind', {
  rows: object({ kind: str(), result: resultSet, 'caption?': str() }),
  error: object({ kind: str(), error: explainedError }),
  'skipped-write': object({ kind: str(), message: str() }),
});

const runNote = object({ level: oneOf(['info', 'warning', 'error']), message: str() });

const runResponse = tagged('kind', {
  ran: (v, at) => {
    const e = object({
      path: runPath,
      pathLabel: str(),
      identityLabel: str(),
      user: sideOutcome,
      owner: ownerOutcome,
      'hiddenOwnerRows?': arrayOf(int),
      'hiddenMatchedBy?': oneOf(['primary-key', 'whole-row']),
      notes: arrayOf(runNote),
    })(v, at);
    if (e) return e;
    const r = v as RunResult;
    if (r.hiddenOwnerRows && r.owner.kind === 'rows') {
      const n = r.owner.result.rows.length;
      for (const i of r.hiddenOwnerRows) if (i < 0 || i >= n) return `${at}.hiddenOwnerRows has ${i}, outside the owner's ${n} rows`;
    }
    return undefined;
  },
  'confirm-write': object({ kind: str(), confirmationId: nonEmptyStr(LIMITS.idChars), command: str(), 'table?': str(), message: str() }),
});

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
