// The messages between the extension host and the "Run as User" webview panel: a valibot schema for each,
// and the TypeScript types inferred from the schemas, so a type and its check cannot drift apart.
//
// Handshake: the webview posts `{type:'ready'}` once its script has loaded; the host answers with an
// `init` event carrying the whole starting state. After that:
// - webview → host: requests, each with a numeric `id`; the host answers every request exactly once with
//   `{type:'response', id, ok:true, result}` or `{type:'response', id, ok:false, error:{message, fixes?}}`.
// - host → webview: responses and events (pushed state changes).
// Both ends treat incoming messages as untrusted and check them here before acting on them: the host with
// `validateWebviewMessage`, the webview with `validateHostMessage`, then each result against the request
// it answers (`readResult` in packedRows.ts, where a run's rows arrive packed).
//
// Secrets: tokens travel webview → host only inside requests (pasted token, private signing key), and
// host → webview only as a freshly minted token the user asked for. The connection label the host sends
// has its password masked (`maskConnectionUrl` in core/secrets.ts).
import * as v from 'valibot';
import { fixActionSchema } from '../fixActions';
import { RUN_PATHS } from '../runAsUser/outcome';

/** Upper bounds that keep a malformed or hostile message from doing damage. */
export const LIMITS = {
  sqlChars: 1_000_000,
  tokenChars: 64 * 1024,
  keyChars: 64 * 1024,
  shortText: 4096,
  idChars: 256,
} as const;

// ---------------------------------------------------------------------------------------------
// Building blocks. Each carries the words of its problem; `describeIssue` puts the place in front
// ("run.sql must not be empty").
// ---------------------------------------------------------------------------------------------

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const text = (max: number = LIMITS.shortText) => v.pipe(v.string('must be a string'), v.maxLength(max, `is longer than ${max} characters`));
const nonEmptyText = (max: number = LIMITS.shortText) => v.pipe(text(max), v.nonEmpty('must not be empty'));
const anyText = v.string('must be a string');
const int = v.pipe(v.number('must be an integer'), v.safeInteger('must be an integer'));
const wholeNumber = v.pipe(v.number('must be a whole number'), v.safeInteger('must be a whole number'), v.minValue(0, 'must be a whole number'));
const finiteNumber = v.pipe(v.number('must be a number'), v.finite('must be a number'));
const bool = v.boolean('must be true or false');
const oneOf = <const T extends readonly string[]>(values: T) => v.picklist(values, `must be one of ${values.join(', ')}`);
const arrayOf = <S extends v.GenericSchema>(item: S) => v.array(item, 'must be an array');
/** An object with these fields (others are dropped); an array is not an object here. */
const object = <E extends v.ObjectEntries>(entries: E) => v.pipe(v.custom<Record<string, unknown>>(isRecord, 'must be an object'), v.object(entries, 'must be an object'));

type KindOption = v.ObjectSchema<{ readonly kind: v.LiteralSchema<string, undefined> } & v.ObjectEntries, 'must be an object'>;
const kindOption = <const K extends string, E extends v.ObjectEntries>(kind: K, entries: E) => v.object({ kind: v.literal(kind), ...entries }, 'must be an object');
/** One of several shapes, told apart by their `kind`. */
const tagged = <const O extends readonly KindOption[]>(options: O) => {
  const kinds = options.map((o) => o.entries.kind.literal).join(', ');
  // An issue with a path is about the tag itself; one without is about a value that is not an object.
  return v.variant('kind', options, (issue) => (issue.path ? `must be one of ${kinds}` : 'must be an object'));
};

/** The place of a problem found by a check of our own (rawCheck), from the value checked down. */
function pathTo(root: unknown, first: string, ...rest: (string | number)[]): [v.IssuePathItem, ...v.IssuePathItem[]] {
  const itemAt = (input: unknown, key: string | number): v.IssuePathItem => {
    if (typeof key === 'number') {
      const list = Array.isArray(input) ? input : [];
      return { type: 'array', origin: 'value', input: list, key, value: list[key] };
    }
    const record = isRecord(input) ? input : {};
    return { type: 'object', origin: 'value', input: record, key, value: record[key] };
  };
  const head = itemAt(root, first);
  const tail: v.IssuePathItem[] = [];
  let input = head.value;
  for (const key of rest) {
    const item = itemAt(input, key);
    tail.push(item);
    input = item.value;
  }
  return [head, ...tail];
}

// ---------------------------------------------------------------------------------------------
// Shared data shapes
// ---------------------------------------------------------------------------------------------

/** How the user side is run (docs/run-paths.md): Neon Authorize HTTP, self-verified claims, or the playground. */
const runPath = oneOf(RUN_PATHS);
export type RunPath = v.InferOutput<typeof runPath>;

const pathOption = object({
  path: runPath,
  /** Shown in the selector, e.g. "Neon Authorize HTTP (authToken)". */
  label: text(),
  available: bool,
  /** Why the path cannot be used right now, shown when `available` is false. */
  unavailableReason: v.optional(text()),
  /** One line saying what the path does, shown under the selector. */
  description: v.optional(text()),
});
export type PathOption = v.InferOutput<typeof pathOption>;

const resultField = object({
  name: text(),
  /** Postgres type OID (from the driver's `fields`). */
  dataTypeID: int,
  typeName: v.optional(text()),
});
export type ResultField = v.InferOutput<typeof resultField>;

/** Postgres text form of a value; null is SQL NULL. */
export type Cell = string | null;
export type CellRows = Cell[][];

/** A fix button: a fix (core/fixActions.ts) with the title of the command the host runs for it. */
const fixButton = object({ label: text(), ...fixActionSchema.entries });
export type FixButton = v.InferOutput<typeof fixButton>;

/** An error translated for people: what happened, what to do, and the fixes that exist. */
const explainedError = object({
  title: text(),
  message: text(LIMITS.sqlChars),
  /** SQLSTATE or the proxy's error code, when there is one. */
  code: v.optional(text()),
  detail: v.optional(text(LIMITS.sqlChars)),
  hint: v.optional(text(LIMITS.sqlChars)),
  fixes: v.optional(arrayOf(fixButton)),
});
export type ExplainedError = v.InferOutput<typeof explainedError>;

const runNote = object({ level: oneOf(['info', 'warning', 'error']), message: text() });
export type RunNote = v.InferOutput<typeof runNote>;

/** What is wrong with one row of a result, if anything: it holds `width` values, each text or NULL. */
export function rowProblem(row: unknown, width: number): { cell?: number; message: string } | undefined {
  if (!Array.isArray(row)) return { message: 'must be an array' };
  for (let c = 0; c < row.length; c++) {
    const cell: unknown = row[c];
    if (cell !== null && typeof cell !== 'string') return { cell: c, message: 'must be a string or null' };
  }
  return row.length === width ? undefined : { message: `has ${row.length} values for ${width} fields` };
}

/** Rows as the extension has them. Checked row by row by the result set (no per-cell schema: results can
 *  have a million rows). */
const cellRows = v.custom<CellRows>(Array.isArray, 'must be an array');

/** How rows travel to the webview: the rows as JSON in chunks, each line of `text` a JSON array of
 *  `chunkRows` rows (the last one may be shorter). Only the envelope is checked on arrival; the webview
 *  checks each row as it decodes it (packedRows.ts). */
const packedRowsSchema = object({
  encoding: oneOf(['json-chunks']),
  count: wholeNumber,
  chunkRows: v.pipe(wholeNumber, v.minValue(1, 'must be at least 1')),
  text: anyText,
});
export type PackedRows = v.InferOutput<typeof packedRowsSchema>;

/** Cell-array rows hold one value per field, each text or NULL; key columns name fields that exist. (The
 *  fields are optional here only because TypeScript cannot tell which fields of a generic schema's output
 *  are required.) */
function checkRowsAndKeys(result: { fields?: readonly unknown[]; rows?: unknown; keyColumns?: readonly number[] }, addIssue: v.RawCheckAddIssue<unknown>): void {
  const width = result.fields?.length ?? 0;
  if (Array.isArray(result.rows)) {
    for (let r = 0; r < result.rows.length; r++) {
      const problem = rowProblem(result.rows[r], width);
      if (problem) return addIssue({ message: problem.message, path: problem.cell === undefined ? pathTo(result, 'rows', r) : pathTo(result, 'rows', r, problem.cell) });
    }
  }
  const missing = result.keyColumns?.find((k) => k < 0 || k >= width);
  if (missing !== undefined) addIssue({ message: `refers to column ${missing}, which does not exist`, path: pathTo(result, 'keyColumns') });
}

/** A result set with its rows in the form `rows` checks: cell arrays in the extension, packed on the wire. */
function resultSetWith<R extends v.GenericSchema>(rows: R) {
  return v.pipe(
    object({
      fields: arrayOf(resultField),
      rows,
      rowCount: v.nullable(int),
      /** First word of the command tag: SELECT, INSERT, UPDATE, ... */
      command: text(),
      durationMs: finiteNumber,
      /** Indices into `fields` of the primary-key columns, when the result carries the whole key. */
      keyColumns: v.optional(arrayOf(int)),
    }),
    v.rawCheck(({ dataset, addIssue }) => {
      if (dataset.typed) checkRowsAndKeys(dataset.value, addIssue);
    }),
  );
}

/** The answer to a run, for rows in the form `rows` checks and `countRows` counts. */
function runSchemasWith<R extends v.GenericSchema>(rows: R, countRows: (rows: v.InferOutput<R>) => number) {
  const resultSet = resultSetWith(rows);
  /** `caption` overrides the grid title. */
  const rowsOutcome = kindOption('rows', { result: resultSet, caption: v.optional(text()) });
  const errorOutcome = kindOption('error', { error: explainedError });
  /** One side of a run: rows, or an explained error. */
  const side = tagged([rowsOutcome, errorOutcome]);
  /** The owner's side is also skipped for a write that has no table to show afterwards. */
  const owner = tagged([rowsOutcome, errorOutcome, kindOption('skipped-write', { message: text() })]);
  const ran = kindOption('ran', {
    path: runPath,
    /** e.g. "Self-verified claims on neon-main (role authenticated)". */
    pathLabel: text(),
    /** Who the user side ran as, e.g. "alice (role authenticated)" or "anonymous". */
    identityLabel: text(),
    user: side,
    owner,
    /** Indices into the owner's rows the user does not see (from `markHiddenRows`). When absent and both
     *  sides have rows, the panel computes them itself. */
    hiddenOwnerRows: v.optional(arrayOf(int)),
    hiddenMatchedBy: v.optional(oneOf(['primary-key', 'whole-row'])),
    notes: arrayOf(runNote),
  });
  /** Nothing ran: the write waits for the user's go-ahead (then it runs once, on the user side only). */
  const confirmWrite = kindOption('confirm-write', {
    /** Echo it in the next `run` as `confirmWriteId` to run exactly this statement. */
    confirmationId: nonEmptyText(LIMITS.idChars),
    /** INSERT, UPDATE, DELETE, MERGE, ... */
    command: text(),
    /** The table the owner's side will show after the write, when known. */
    table: v.optional(text()),
    message: text(),
  });
  const response = v.pipe(
    tagged([ran, confirmWrite]),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed || dataset.value.kind !== 'ran') return;
      const { owner: ownerSide, hiddenOwnerRows } = dataset.value;
      if (!hiddenOwnerRows || ownerSide.kind !== 'rows') return;
      const n = countRows(ownerSide.result.rows);
      const outside = hiddenOwnerRows.find((i) => i < 0 || i >= n);
      if (outside !== undefined) addIssue({ message: `has ${outside}, outside the owner's ${n} rows`, path: pathTo(dataset.value, 'hiddenOwnerRows') });
    }),
  );
  return { resultSet, side, owner, ran, response };
}

const cellRun = runSchemasWith(cellRows, (rows) => rows.length);
/** A run's answer as it travels to the webview, its rows packed. */
export const packedRunResponseSchema = runSchemasWith(packedRowsSchema, (rows) => rows.count).response;

type RunSchemas<Rows> = ReturnType<typeof runSchemasWith<v.GenericSchema<Rows>>>;
/** A result with its rows in some form: `CellRows` in the extension, `PackedRows` on the way to the
 *  webview, `PackedRowReader` in the webview. */
export type ResultSetOf<Rows> = v.InferOutput<RunSchemas<Rows>['resultSet']>;
export type ResultSet = ResultSetOf<CellRows>;
export type SideOutcome<Rows = CellRows> = v.InferOutput<RunSchemas<Rows>['side']>;
export type OwnerOutcome<Rows = CellRows> = v.InferOutput<RunSchemas<Rows>['owner']>;
export type RunResult<Rows = CellRows> = v.InferOutput<RunSchemas<Rows>['ran']>;
/** Run answer: the result, or a request to confirm a write before it runs (once, user side only). */
export type RunResponse<Rows = CellRows> = v.InferOutput<RunSchemas<Rows>['response']>;

/** Where the token for the user side comes from. */
const tokenSource = tagged([kindOption('pasted', { token: nonEmptyText(LIMITS.tokenChars) }), kindOption('persona', { personaId: nonEmptyText(LIMITS.idChars) }), kindOption('anonymous', {})]);
export type TokenSource = v.InferOutput<typeof tokenSource>;

const signingAlg = oneOf(['ES256', 'RS256']);
/** The key that signs a minted token. A private key travels to the host once (mint or save); saved
 *  personas refer to it by label only, and editing one reuses its stored key with `stored-key`. */
const signingKeySource = tagged([
  kindOption('playground', {}),
  /** `key`: PKCS#8 PEM or private JWK JSON. */
  kindOption('private-key', { key: nonEmptyText(LIMITS.keyChars), kid: v.optional(text()), alg: v.optional(signingAlg) }),
  kindOption('stored-key', { personaId: nonEmptyText(LIMITS.idChars), kid: v.optional(text()), alg: v.optional(signingAlg) }),
]);
export type SigningKeySource = v.InferOutput<typeof signingKeySource>;

const personaDraft = object({
  name: text(),
  sub: text(),
  role: text(),
  /** jose time span: "1h", "30m", "7d", or seconds. */
  expiresIn: text(),
  /** JSON object text merged into the claims. */
  extraClaims: text(LIMITS.tokenChars),
  keySource: signingKeySource,
});
export type PersonaDraft = v.InferOutput<typeof personaDraft>;

const savedPersona = object({
  id: nonEmptyText(LIMITS.idChars),
  name: text(),
  sub: text(),
  role: text(),
  expiresIn: text(),
  extraClaims: text(LIMITS.tokenChars),
  keySource: tagged([kindOption('playground', {}), kindOption('private-key', { label: text() })]),
});
export type SavedPersona = v.InferOutput<typeof savedPersona>;

const claimRow = object({
  name: text(),
  /** JSON text of the value. */
  value: text(LIMITS.tokenChars),
  /** For times: e.g. "2026-03-01 12:00:00 UTC (in 59 min)". */
  readable: v.optional(text()),
});
export type ClaimRow = v.InferOutput<typeof claimRow>;

const tokenWarning = object({ code: text(), level: oneOf(['error', 'warning', 'info']), message: text() });
export type TokenWarning = v.InferOutput<typeof tokenWarning>;

const tokenVerification = object({
  status: oneOf(['verified', 'failed', 'not-checked']),
  /** e.g. "Signature verified with key abc from https://…/jwks.json" or why it failed. */
  message: text(),
});
export type TokenVerification = v.InferOutput<typeof tokenVerification>;

const tokenInspection = object({
  header: arrayOf(claimRow),
  claims: arrayOf(claimRow),
  /** `exp` in seconds since the epoch, null when the token has none. */
  expiresAt: v.nullable(finiteNumber),
  verification: tokenVerification,
  warnings: arrayOf(tokenWarning),
});
export type TokenInspection = v.InferOutput<typeof tokenInspection>;

const initState = object({
  sql: text(LIMITS.sqlChars),
  /** Most recent first. */
  sqlHistory: arrayOf(text(LIMITS.sqlChars)),
  personas: arrayOf(savedPersona),
  paths: arrayOf(pathOption),
  selectedPath: v.nullable(runPath),
  /** Connection in use, password masked. */
  connectionLabel: text(),
  /** Whether the playground signing key can mint tokens. */
  playgroundKeyAvailable: bool,
  /** Run `sql` right after init (the "Run as User" command on a selection). */
  runOnOpen: v.optional(bool),
});
export type InitState = v.InferOutput<typeof initState>;

/** The two grids of a run. */
const gridSide = oneOf(['user', 'owner']);
export type GridSide = v.InferOutput<typeof gridSide>;

// ---------------------------------------------------------------------------------------------
// webview → host
// ---------------------------------------------------------------------------------------------

const request = <const T extends string, E extends v.ObjectEntries>(type: T, entries: E) => object({ type: v.literal(type), id: int, ...entries });

const requestSchemas = {
  run: request('run', { sql: nonEmptyText(LIMITS.sqlChars), token: tokenSource, path: runPath, confirmWriteId: v.optional(nonEmptyText(LIMITS.idChars)) }),
  /** `runId`: the `id` of the run request to cancel. */
  cancelRun: request('cancelRun', { runId: int }),
  mintToken: request('mintToken', { persona: personaDraft }),
  /** `replaceId`: the saved persona to replace; a new one is created when absent. */
  savePersona: request('savePersona', { persona: personaDraft, replaceId: v.optional(nonEmptyText(LIMITS.idChars)) }),
  deletePersona: request('deletePersona', { personaId: nonEmptyText(LIMITS.idChars) }),
  inspectToken: request('inspectToken', { token: tokenSource, path: runPath }),
  /** `content`: the text the webview built (CSV or JSON of the rows on screen). */
  export: request('export', { format: oneOf(['csv', 'json']), grid: gridSide, content: anyText, suggestedName: nonEmptyText(255) }),
  copy: request('copy', { what: oneOf(['cell', 'row']), text: anyText }),
  runFix: request('runFix', fixActionSchema.entries),
};

export type RequestType = keyof typeof requestSchemas;
export type RequestOf<T extends RequestType> = v.InferOutput<(typeof requestSchemas)[T]>;
export type WebviewRequest = { [T in RequestType]: RequestOf<T> }[RequestType];
export type ReadyMessage = { type: 'ready' };
export type WebviewToHost = ReadyMessage | WebviewRequest;

/** What the host answers to each request type. */
const resultSchemas = {
  run: cellRun.response,
  cancelRun: object({ cancelled: bool }),
  mintToken: object({ token: nonEmptyText(LIMITS.tokenChars), inspection: tokenInspection }),
  savePersona: object({ persona: savedPersona }),
  deletePersona: object({ deleted: bool }),
  inspectToken: tokenInspection,
  export: object({ saved: bool, location: v.optional(text()) }),
  copy: object({ copied: bool }),
  runFix: object({ message: v.optional(text()) }),
} satisfies Record<RequestType, v.GenericSchema>;

export type ResultOf<T extends RequestType> = v.InferOutput<(typeof resultSchemas)[T]>;

// ---------------------------------------------------------------------------------------------
// host → webview
// ---------------------------------------------------------------------------------------------

const responseError = object({ message: text(), fixes: v.optional(arrayOf(fixButton)) });
export type ResponseError = v.InferOutput<typeof responseError>;

/** A response as it arrives: its result is checked against the request it answers afterwards. */
const responseEnvelope = v.variant(
  'ok',
  [
    v.object({ type: v.literal('response'), id: int, ok: v.literal(true), result: v.unknown() }, 'must be an object'),
    v.object({ type: v.literal('response'), id: int, ok: v.literal(false), error: responseError }, 'must be an object'),
  ],
  (issue) => (issue.path ? 'must be true or false' : 'must be an object'),
);
type ResponseEnvelope = v.InferOutput<typeof responseEnvelope>;

export type ResponseMessage<T extends RequestType = RequestType> =
  | (Omit<Extract<ResponseEnvelope, { ok: true }>, 'result'> & { result: ResultOf<T> })
  | Extract<ResponseEnvelope, { ok: false }>;

const eventSchemas = {
  init: object({ type: v.literal('init'), state: initState }),
  /** Put a statement in the editor (e.g. from a SQL editor selection), optionally running it. */
  setSql: object({ type: v.literal('setSql'), sql: text(LIMITS.sqlChars), run: v.optional(bool) }),
  historyChanged: object({ type: v.literal('historyChanged'), sqlHistory: arrayOf(text(LIMITS.sqlChars)) }),
  personasChanged: object({ type: v.literal('personasChanged'), personas: arrayOf(savedPersona) }),
  connectionChanged: object({ type: v.literal('connectionChanged'), connectionLabel: text(), paths: arrayOf(pathOption), selectedPath: v.nullable(runPath) }),
  notify: object({ type: v.literal('notify'), level: oneOf(['info', 'warning', 'error']), message: text() }),
};
type EventType = keyof typeof eventSchemas;
export type HostEvent = { [T in EventType]: v.InferOutput<(typeof eventSchemas)[T]> }[EventType];

export type HostToWebview = ResponseMessage | HostEvent;
/** What the webview receives: events, and responses whose result it has yet to check (`readResult`). */
export type WireHostToWebview = ResponseEnvelope | HostEvent;

export function okResponse<T extends RequestType>(id: number, result: ResultOf<T>): ResponseMessage<T> {
  return { type: 'response', id, ok: true, result };
}

export function errorResponse(id: number, message: string, ...fixes: FixButton[]): ResponseMessage {
  return { type: 'response', id, ok: false, error: fixes.length ? { message, fixes } : { message } };
}

// ---------------------------------------------------------------------------------------------
// Checking: both ends check every incoming message before acting on it.
// ---------------------------------------------------------------------------------------------

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** The first problem of a failed check, in words, located from `at` ("run.token.kind must be one of …"). */
function describeIssue(issue: v.BaseIssue<unknown>, at: string): string {
  let where = at;
  for (const item of issue.path ?? []) where += typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`;
  // A required field that is absent is reported by its object, at the field's place.
  const missing = issue.path?.at(-1)?.origin === 'key';
  return missing ? `${where} is missing` : `${where} ${issue.message}`;
}

/** The one check both ends use: `value` against `schema`, the value as the schema reads it (unknown
 *  fields dropped) or the first problem found. */
export function parse<S extends v.GenericSchema>(schema: S, value: unknown, at: string): Validation<v.InferOutput<S>> {
  const checked = v.safeParse(schema, value, { abortEarly: true });
  return checked.success ? { ok: true, value: checked.output } : { ok: false, error: describeIssue(checked.issues[0], at) };
}

function isRequestType(t: unknown): t is RequestType {
  return typeof t === 'string' && Object.hasOwn(requestSchemas, t);
}

/** Host side: checks a message from the webview. On failure, answer with `errorResponse(requestIdOf(msg), …)`
 *  when the message has a usable id. */
export function validateWebviewMessage(msg: unknown): Validation<WebviewToHost> {
  if (!isRecord(msg)) return { ok: false, error: 'message must be an object' };
  if (msg.type === 'ready') return { ok: true, value: { type: 'ready' } };
  if (!isRequestType(msg.type)) return { ok: false, error: `unknown message type ${JSON.stringify(String(msg.type)).slice(0, 80)}` };
  return parse(requestSchemas[msg.type], msg, msg.type);
}

function isEventType(t: string): t is EventType {
  return Object.hasOwn(eventSchemas, t);
}

/** The id of a request-shaped message, even when the rest of it is invalid (so the host can still answer). */
export function requestIdOf(msg: unknown): number | undefined {
  return isRecord(msg) && typeof msg.id === 'number' && Number.isSafeInteger(msg.id) ? msg.id : undefined;
}

/** Webview side: checks a message from the host (a response's result is checked against its request later). */
export function validateHostMessage(msg: unknown): Validation<WireHostToWebview> {
  if (!isRecord(msg) || typeof msg.type !== 'string') return { ok: false, error: 'message must be an object with a type' };
  if (msg.type === 'response') return parse(responseEnvelope, msg, 'response');
  if (!isEventType(msg.type)) return { ok: false, error: `unknown event type ${JSON.stringify(msg.type).slice(0, 80)}` };
  return parse(eventSchemas[msg.type], msg, msg.type);
}

/** Checks the `result` of a successful response against the type of the request it answers. */
export function validateResult<T extends RequestType>(type: T, result: unknown): Validation<ResultOf<T>> {
  return parse(resultSchemas[type], result, `${type} result`);
}

export function isResultSet(x: unknown): x is ResultSet {
  return parse(cellRun.resultSet, x, 'result').ok;
}

export function isExplainedError(x: unknown): x is ExplainedError {
  return parse(explainedError, x, 'error').ok;
}
