/**
 * Run as user: one statement run as a user (a token, or the anonymous role) beside the owner's view of it.
 *
 * - Reads run on both sides at once; the owner's side in a READ ONLY transaction. Rows the owner sees and
 *   the user does not are marked (markHiddenRows), and the notes say "RLS hid N rows", never just "no rows".
 * - A write never runs twice: without confirmation nothing runs and the caller gets a `confirm-write`
 *   answer; confirmed, it runs once on the user side only, then the owner's side shows the target table.
 * - Three paths for the user side (docs/run-paths.md): Neon Authorize HTTP, self-verified claims, the playground.
 * - The user side is refused (an explained error instead of rows) when RLS would not apply to its role.
 * - Tokens and passwords never appear in what this returns (errors go through explainError's redaction).
 */
import { createHash } from 'node:crypto';
import { describeConnection, splitConnectionSecret } from '../connections/url';
import { decodeTokenUnverified } from '../jwt/decode';
import { JwksCache } from '../jwt/jwksCache';
import { NeonJwtError } from '../jwt/neonJwtError';
import type { JwksProviderRegistration } from '../jwt/types';
import { verifyLikeNeon } from '../jwt/verifyLikeNeon';
import { fixAction } from '../fixActions';
import { hiddenRowIndices, markHiddenRows } from '../resultDiff';
import type { ExplainedError, OwnerOutcome, ResultSet, RunNote, RunPath, RunResult, SideOutcome } from './outcome';
import { maskSecrets } from '../secrets';
import { quoteIdent } from '../sql/quote';
import { loadSqlParser } from '../sql/parser';
import { classifySql, formatTableRef, matchingRowsQuery, type ClassifiedStatement, type StatementKind } from '../sqlClassify';
import { openExecutor, type ConnectionTarget, type RawResult, type SqlExecutor } from './executor';
import { explainError, explainMissingToken, explainRlsBypass, explainSqlProblem, explainUnrunnable, type ExplainContext } from './explainError';
import { parseRoleFacts, RELATION_FACTS_QUERY, rlsGuardFacts, textArrayParam, type RoleFacts } from './relationFacts';
import { addCatalogRows, emptyCatalog, missingFromCatalog, oidArrayParam, RESULT_CATALOG_QUERY, toResultSet, type ResultCatalog } from './resultSets';
import { OwnerView, UserSide, type QueryListener } from './sides';
import { WriteConfirmations } from './writeConfirmations';

/** The URLs of Neon's Authorize path (or the playground's): one per app role. */
export interface AuthorizeConnections {
  /** DATABASE_AUTHENTICATED_URL (role authenticated). */
  authenticated: ConnectionTarget;
  /** DATABASE_ANONYMOUS_URL (role anonymous); without it the anonymous persona uses the authenticated URL. */
  anonymous?: ConnectionTarget;
}

export interface SelfVerifiedConnection {
  /** A login role that may SET ROLE to the app roles and neither owns the tables nor has BYPASSRLS. */
  login: ConnectionTarget;
  /** The provider registrations tokens are checked against (Neon's rules: the role must be listed). */
  providers: JwksProviderRegistration[] | (() => JwksProviderRegistration[]);
  jwksCache?: JwksCache;
}

export interface RunAsUserEngineOptions {
  /** The owner connection (DATABASE_URL): the owner's view and catalog lookups, only ever READ ONLY. */
  owner?: ConnectionTarget;
  /** Path (a): Neon Authorize HTTP. */
  authorize?: AuthorizeConnections;
  /** Path (c): the playground's URLs and local endpoint (the same protocol as (a)). */
  playground?: AuthorizeConnections;
  /** Path (b): self-verified claims. */
  selfVerified?: SelfVerifiedConnection;
  /** Rows the owner's side shows of a table after a write (default 1000). */
  ownerRowLimit?: number;
  /** Every transaction either side runs (statement texts only), for logs and tests. */
  onQuery?: QueryListener;
  /** The writes waiting for confirmation; engines that answer the same panel share one. */
  confirmations?: WriteConfirmations;
}

export interface RunAsUserRequest {
  /** One statement (a document of several is refused: pick one with statementAt). */
  sql: string;
  path: RunPath;
  /** The JWT to run with; absent: no token (the anonymous role without claims). */
  token?: string;
  /**
   * The role to run as. Default: the token's `role` claim, else "authenticated" with a token and
   * "anonymous" without. On the Authorize/playground paths it only picks the URL (anonymous or
   * authenticated): there the URL's role is what Postgres uses.
   */
  role?: string;
  /**
   * The `confirmationId` of the `confirm-write` answer for this statement, path and identity: it confirms
   * one run. An id this engine never issued asks again; a used, expired or mismatched one refuses. Without
   * it (and without `ownerConfirmedOutsidePanel`) a write only returns `confirm-write`.
   */
  confirmationId?: string;
  /**
   * The caller asked its user itself and runs the write once without a confirmation id: only for callers
   * that own that question (tests, scripts). The panel's host never sets it; what comes from the panel is
   * confirmed by `confirmationId` alone. Ignored when `confirmationId` is given.
   */
  ownerConfirmedOutsidePanel?: boolean;
  signal?: AbortSignal;
}

export interface ConfirmWriteOutcome {
  kind: 'confirm-write';
  confirmationId: string;
  /** INSERT, UPDATE, DELETE, MERGE, CREATE TABLE, … */
  command: string;
  statementKind: StatementKind;
  /** The table the owner's side will show after the write (the first target). */
  table?: string;
  targetTables: string[];
  message: string;
}

export type RunAsUserOutcome =
  | RunResult
  | ConfirmWriteOutcome
  /** Nothing ran: the statement or the setup cannot be run (several statements, no such path, …). */
  | { kind: 'refused'; error: ExplainedError };

interface Identity {
  token?: string;
  claims: Record<string, unknown> | null;
  /** The role the user side runs as. */
  role: string;
  sub?: string;
}

const DEFAULT_OWNER_ROW_LIMIT = 1000;

export class RunAsUserEngine {
  private readonly ownerExecutor?: SqlExecutor;
  private selfVerifiedExecutor?: SqlExecutor;
  private readonly jwksCache: JwksCache;
  private readonly secrets: string[];
  private readonly confirmations: WriteConfirmations;

  constructor(private readonly options: RunAsUserEngineOptions) {
    if (options.owner) this.ownerExecutor = openExecutor(options.owner);
    this.jwksCache = options.selfVerified?.jwksCache ?? new JwksCache();
    this.confirmations = options.confirmations ?? new WriteConfirmations();
    const targets = [options.owner, options.authorize?.authenticated, options.authorize?.anonymous, options.playground?.authenticated, options.playground?.anonymous, options.selfVerified?.login];
    this.secrets = targets.flatMap((t) => {
      if (!t) return [];
      try {
        const password = splitConnectionSecret(t.url).password;
        return password ? [password] : [];
      } catch {
        return [];
      }
    });
  }

  /** Which paths this engine can run. */
  availablePaths(): RunPath[] {
    const paths: RunPath[] = [];
    if (this.options.authorize) paths.push('authorize-http');
    if (this.options.selfVerified) paths.push('self-verified');
    if (this.options.playground) paths.push('playground');
    return paths;
  }

  async close(): Promise<void> {
    await Promise.all([this.ownerExecutor?.close(), this.selfVerifiedExecutor?.close()]);
  }

  async run(request: RunAsUserRequest): Promise<RunAsUserOutcome> {
    await loadSqlParser();
    const classified = classifySql(request.sql);
    if (!classified.ok) return { kind: 'refused', error: explainSqlProblem(classified.problem) };
    const statement = classified.statement;
    if (statement.kind === 'transaction' || statement.kind === 'session') return { kind: 'refused', error: explainUnrunnable(statement) };
    const pathProblem = this.pathProblem(request.path);
    if (pathProblem) return { kind: 'refused', error: pathProblem };

    const secrets = request.token ? [...this.secrets, request.token] : this.secrets;
    let identity: Identity;
    try {
      identity = this.identityOf(request);
    } catch (err) {
      return {
        kind: 'refused',
        error: { title: 'The token cannot be read', message: maskSecrets(`${(err as Error).message} Paste the whole token (header.payload.signature), or mint one.`, secrets) },
      };
    }

    const fingerprint = writeFingerprint(request.path, statement.text, identity);
    const check = request.confirmationId !== undefined ? this.confirmations.take(request.confirmationId, fingerprint) : undefined;
    if (check === 'used-or-expired' || check === 'changed') return { kind: 'refused', error: CONFIRMATION_REFUSED[check] };
    const confirmed = check === 'confirmed' || (check === undefined && request.ownerConfirmedOutsidePanel === true);
    if (!statement.readOnly && !confirmed) return confirmWrite(statement, this.confirmations.issue(fingerprint), identity, 'write');
    // A read runs as a write only when the caller confirms the id of a "read that wrote" answer.
    const runAsWrite = !statement.readOnly || check === 'confirmed';

    const run = new Run(this, request, statement, identity, secrets, fingerprint, runAsWrite);
    return run.execute();
  }

  // ---- internals used by Run -------------------------------------------------------------------

  /** @internal */
  ownerFor(path: RunPath): OwnerView | undefined {
    return this.ownerExecutor ? new OwnerView(this.ownerExecutor, path, this.options.onQuery) : undefined;
  }

  /** @internal */
  get ownerRowLimit(): number {
    return this.options.ownerRowLimit ?? DEFAULT_OWNER_ROW_LIMIT;
  }

  /** @internal */
  get ownerRole(): string | undefined {
    return this.options.owner ? describeConnection(this.options.owner.url).role : undefined;
  }

  /** @internal For classifying the owner connection's errors (explainError masks its password). */
  get ownerUrl(): string | undefined {
    return this.options.owner?.url;
  }

  /** @internal The connection the user side uses for a path and role (Authorize/playground), and its URL role. */
  tokenTarget(path: 'authorize-http' | 'playground', role: string): ConnectionTarget {
    const urls = (path === 'authorize-http' ? this.options.authorize : this.options.playground)!;
    return role === 'anonymous' && urls.anonymous ? urls.anonymous : urls.authenticated;
  }

  /** @internal */
  selfVerifiedSetup(): { login: ConnectionTarget; executor: () => SqlExecutor; providers: JwksProviderRegistration[]; cache: JwksCache } {
    const setup = this.options.selfVerified!;
    return {
      login: setup.login,
      executor: () => (this.selfVerifiedExecutor ??= openExecutor(setup.login)),
      providers: typeof setup.providers === 'function' ? setup.providers() : setup.providers,
      cache: this.jwksCache,
    };
  }

  /** @internal */
  get listener(): QueryListener | undefined {
    return this.options.onQuery;
  }

  /** @internal A new confirmation id for the write with this fingerprint. */
  confirmationFor(fingerprint: string): string {
    return this.confirmations.issue(fingerprint);
  }

  private pathProblem(path: RunPath): ExplainedError | undefined {
    const configured = path === 'authorize-http' ? this.options.authorize : path === 'playground' ? this.options.playground : this.options.selfVerified;
    if (configured) return undefined;
    const what: Record<RunPath, string> = {
      'authorize-http': 'Neon Authorize HTTP needs the DATABASE_AUTHENTICATED_URL of a Neon project with Authorize (RLS) set up.',
      'self-verified': 'Self-verified claims need a login connection and the auth provider\'s JWKS registration.',
      playground: 'The playground is not running. Start it, then run again.',
    };
    return {
      title: 'This path is not set up',
      message: `${what[path]} Pick another path, or set this one up.`,
      fixes: [fixAction(path === 'playground' ? 'openPlayground' : 'chooseConnection')],
    };
  }

  private identityOf(request: RunAsUserRequest): Identity {
    let claims: Record<string, unknown> | null = null;
    if (request.token !== undefined) claims = decodeTokenUnverified(request.token).claims as Record<string, unknown>;
    const claimRole = typeof claims?.role === 'string' && claims.role !== '' ? claims.role : undefined;
    const role = request.role ?? claimRole ?? (request.token !== undefined ? 'authenticated' : 'anonymous');
    const sub = typeof claims?.sub === 'string' && claims.sub !== '' ? claims.sub : undefined;
    return { token: request.token, claims, role, ...(sub ? { sub } : {}) };
  }
}

/** Claims that change with every token minted for the same identity. */
const PER_TOKEN_CLAIMS = new Set(['iat', 'exp', 'nbf', 'jti']);

/** JSON with object keys sorted, so the same claims give the same text whatever order a token lists them in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a write confirmation is bound to: the path, the statement and the identity (the role and every claim
 * a policy could read, e.g. org_id), but not the token itself nor its times and id: a persona mints a new
 * token for every run.
 */
export function writeFingerprint(path: RunPath, text: string, identity: Pick<Identity, 'role' | 'claims'>): string {
  const claims = identity.claims ? Object.fromEntries(Object.entries(identity.claims).filter(([name]) => !PER_TOKEN_CLAIMS.has(name))) : null;
  return createHash('sha256')
    .update(canonicalJson([path, text, identity.role, claims]))
    .digest('base64url');
}

const CONFIRMATION_REFUSED: Record<'used-or-expired' | 'changed', ExplainedError> = {
  'used-or-expired': { title: 'Nothing ran', message: 'This confirmation has expired or was already used. Run the statement again to confirm it anew.' },
  changed: { title: 'Nothing ran', message: 'The statement, token or path changed after you were asked to confirm. Run it again to confirm the new one.' },
};

function confirmWrite(statement: ClassifiedStatement, confirmationId: string, identity: Identity, reason: 'write' | 'read-wrote'): ConfirmWriteOutcome {
  const targets = statement.targetTables.map(formatTableRef);
  const who = identity.sub ? `${identity.sub} (role ${identity.role})` : `role ${identity.role}`;
  const on = targets.length ? ` on ${targets.join(', ')}` : '';
  const message =
    reason === 'write'
      ? `${statement.command}${on} changes data${statement.writeReason ? ` (${statement.writeReason})` : ''}. Confirm to run it once, as ${who}, on the user side only; the owner's side then shows ${targets.length ? targets[0] : 'nothing (there is no table to show)'}.`
      : `${statement.command} looked like a read, but it tried to write (a function it calls changes data), so it was stopped and nothing changed. Confirm to run it once, as ${who}, on the user side only.`;
  return {
    kind: 'confirm-write',
    confirmationId,
    command: statement.command,
    statementKind: statement.kind,
    ...(targets.length ? { table: targets[0] } : {}),
    targetTables: targets,
    message,
  };
}

/** A side before the catalog lookups: raw rows, or what the panel shows instead. */
type Side =
  | { kind: 'rows'; raw: RawResult; durationMs: number; caption?: string }
  | { kind: 'error'; error: ExplainedError }
  | { kind: 'skipped-write'; message: string };

/** One run: the user side, the owner side, the comparison and the notes. */
class Run {
  private readonly owner?: OwnerView;
  private readonly notes: RunNote[] = [];
  private facts?: RoleFacts;
  private readonly catalog: ResultCatalog = emptyCatalog();
  private userRole: string;
  private loginRole?: string;
  private pathLabel = '';

  constructor(
    private readonly engine: RunAsUserEngine,
    private readonly request: RunAsUserRequest,
    private readonly statement: ClassifiedStatement,
    private readonly identity: Identity,
    private readonly secrets: string[],
    /** What a confirmation of this statement is bound to (writeFingerprint). */
    private readonly fingerprint: string,
    /** A confirmed write (or a confirmed read that wrote): run once, read-write, on the user side only. */
    private readonly asWrite: boolean,
  ) {
    this.owner = engine.ownerFor(request.path);
    this.userRole = identity.role;
  }

  private get relationNames(): string[] {
    return [...this.statement.targetTables, ...this.statement.readTables].map(formatTableRef).filter((n, i, all) => all.indexOf(n) === i);
  }

  private context(side: 'user' | 'owner', connectionUrl?: string): ExplainContext {
    return {
      side,
      path: this.request.path,
      ...(connectionUrl ? { connectionUrl } : {}),
      secrets: this.secrets,
      role: side === 'owner' ? this.engine.ownerRole : this.userRole,
      ...(side === 'user' && this.loginRole ? { loginRole: this.loginRole } : {}),
      ...(this.engine.ownerRole ? { ownerRole: this.engine.ownerRole } : {}),
      ...(side === 'user' ? { claims: this.identity.claims } : {}),
      statement: this.statement,
    };
  }

  async execute(): Promise<RunAsUserOutcome> {
    const { statement, request } = this;
    const signal = request.signal;
    const path = request.path;
    const { user, problem: userProblem, url: userUrl } = await this.openUserSide();

    let userSide: Side;
    let ownerSide: Side;
    if (!this.asWrite) {
      // A read runs on both sides at once, beside the catalog's view of its tables for the user's role.
      const [facts, u, o] = await Promise.all([this.loadFacts(), this.runUser(user, userProblem, userUrl, !statement.locksRows, signal), this.ownerRead(signal)]);
      this.useFacts(facts);
      if (u.wroteInReadOnly) return confirmWrite(statement, this.engine.confirmationFor(this.fingerprint), this.identity, 'read-wrote');
      userSide = this.refuseIfBypassed(u.side);
      ownerSide = o;
    } else {
      // A write: first what the catalog says (nothing runs if RLS would not apply), and for UPDATE/DELETE
      // how many rows the owner sees matching the WHERE clause; then the write, once, on the user side.
      const matchQuery = matchingRowsQuery(statement);
      const [facts, ownerMatching] = await Promise.all([this.loadFacts(), matchQuery ? this.countOnOwner(matchQuery) : Promise.resolve(undefined)]);
      this.useFacts(facts);
      const refusal = this.bypassRefusal();
      userSide = refusal ? { kind: 'error', error: refusal } : (await this.runUser(user, userProblem, userUrl, false, signal)).side;
      ownerSide = await this.ownerAfterWrite(userSide, signal);
      this.writeNotes(userSide, ownerMatching);
    }

    await this.completeCatalog([userSide, ownerSide]);
    const userOutcome = this.toOutcome(userSide) as SideOutcome;
    const ownerOutcome = this.toOutcome(ownerSide);

    const result: RunResult = {
      kind: 'ran',
      path,
      pathLabel: maskSecrets(this.pathLabel, this.secrets),
      identityLabel: maskSecrets(this.identityLabel(), this.secrets),
      user: userOutcome,
      owner: ownerOutcome,
      notes: this.notes,
    };
    if (!this.asWrite && userOutcome.kind === 'rows' && ownerOutcome.kind === 'rows') {
      const hidden = markHiddenRows(ownerOutcome.result, userOutcome.result);
      result.hiddenOwnerRows = hiddenRowIndices(hidden.hidden);
      result.hiddenMatchedBy = hidden.matchedBy;
      this.readNotes(ownerOutcome.result, userOutcome.result, hidden.hiddenCount);
    }
    this.tableNotes();
    this.claimNotes(userOutcome, ownerOutcome);
    for (const note of this.notes) note.message = maskSecrets(note.message, this.secrets);
    return result;
  }

  /** A cancelled run says so, whatever the driver threw when its request or statement was stopped. */
  private explain(err: unknown, context: ExplainContext): ExplainedError {
    return explainError(this.request.signal?.aborted ? Object.assign(new Error('cancelled'), { name: 'AbortError' }) : err, context);
  }

  private useFacts(facts: RoleFacts | undefined): void {
    this.facts = facts;
    for (const r of facts?.relations ?? []) if (typeof r.oid === 'number' && r.primaryKey) this.catalog.primaryKeys.set(r.oid, r.primaryKey);
  }

  /**
   * On the Authorize/playground paths there is no transaction of ours to check inside, so the catalog
   * answers for the URL's role. (Self-verified claims check inside the user's own transaction instead.)
   */
  private bypassRefusal(): ExplainedError | undefined {
    if (this.request.path === 'self-verified' || !this.facts?.bypassed) return undefined;
    return explainRlsBypass(this.facts, this.context('user'));
  }

  /** Rows RLS did not filter are never shown; an error (e.g. Neon refusing the token) is, as it says more. */
  private refuseIfBypassed(side: Side): Side {
    const refusal = side.kind === 'rows' ? this.bypassRefusal() : undefined;
    return refusal ? { kind: 'error', error: refusal } : side;
  }

  /** Who the user side is, and over which connection; a problem instead when it cannot run. */
  private async openUserSide(): Promise<{ user?: UserSide; problem?: ExplainedError; url: string }> {
    const path = this.request.path;
    if (path === 'self-verified') {
      const setup = this.engine.selfVerifiedSetup();
      const url = setup.login.url;
      this.loginRole = describeConnection(url).role;
      this.pathLabel = `Self-verified claims on ${describeConnection(url).label} (SET ROLE ${this.userRole})`;
      let claims: Record<string, unknown> | null = null;
      if (this.identity.token !== undefined) {
        try {
          // Neon's rules: the provider must be registered for the role the user side switches to.
          const verified = await verifyLikeNeon(this.identity.token, { roleName: this.userRole, providers: setup.providers, cache: setup.cache });
          claims = verified.claims as Record<string, unknown>;
        } catch (err) {
          if (!(err instanceof NeonJwtError)) throw err;
          return { problem: this.explain(err, this.context('user')), url };
        }
      } else if (this.userRole !== 'anonymous') {
        return { problem: explainMissingToken(path), url };
      }
      return { user: UserSide.open({ kind: 'claims', path, executor: setup.executor, claims, role: this.userRole }, this.engine.listener), url };
    }
    const target = this.engine.tokenTarget(path, this.userRole);
    // On this path Postgres runs as the URL's role; the token's role claim only picked the URL.
    this.userRole = describeConnection(target.url).role || this.userRole;
    this.pathLabel = `${path === 'playground' ? 'Playground' : 'Neon Authorize HTTP'} on ${describeConnection(target.url).label}`;
    if (this.identity.token === undefined && this.userRole !== 'anonymous') return { problem: explainMissingToken(path), url: target.url };
    try {
      const token = this.identity.token;
      return { user: UserSide.open({ kind: 'token', path, target, ...(token !== undefined ? { token } : {}) }, this.engine.listener), url: target.url };
    } catch (err) {
      return {
        problem: { title: 'This connection cannot carry a token', message: maskSecrets((err as Error).message, this.secrets), fixes: [fixAction('chooseConnection')] },
        url: target.url,
      };
    }
  }

  private identityLabel(): string {
    const { sub, claims } = this.identity;
    if (sub) return `${sub} (role ${this.userRole})`;
    if (claims) return `token without sub (role ${this.userRole})`;
    return `no token (role ${this.userRole})`;
  }

  // ---- the user side ---------------------------------------------------------------------------

  private async runUser(
    user: UserSide | undefined,
    problem: ExplainedError | undefined,
    url: string,
    readOnly: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ side: Side; wroteInReadOnly?: boolean }> {
    if (!user) return { side: { kind: 'error', error: problem! } };
    try {
      const r = await user.run(this.statement.text, { readOnly, tables: this.relationNames, signal });
      return { side: { kind: 'rows', raw: r.value, durationMs: r.durationMs } };
    } catch (err) {
      const guard = rlsGuardFacts(err);
      if (guard) return { side: { kind: 'error', error: explainRlsBypass(guard, this.context('user')) } };
      const code = (err as { code?: unknown } | null)?.code;
      const context = this.context('user', url);
      if (code === '42501' && this.statement.returning) context.selectPolicyMissing = this.selectPolicyMissing(err);
      return { side: { kind: 'error', error: this.explain(err, context) }, wroteInReadOnly: code === '25006' && readOnly };
    }
  }

  /** The table an RLS error names has no SELECT policy for the user's role (from the pre-run facts). */
  private selectPolicyMissing(err: unknown): boolean | undefined {
    const table = /for table "(.+)"$/.exec(String((err as { message?: unknown }).message ?? ''))?.[1];
    const relation = this.facts?.relations.find((r) => r.relname === table);
    return relation?.policies ? relation.policies.select === 0 : undefined;
  }

  // ---- the owner side --------------------------------------------------------------------------

  private async loadFacts(): Promise<RoleFacts | undefined> {
    if (!this.owner) return undefined;
    try {
      const names = this.relationNames;
      const r = await this.owner.catalog(RELATION_FACTS_QUERY, [textArrayParam(names), this.userRole], this.request.signal);
      return parseRoleFacts(r.rows, names, this.userRole);
    } catch {
      // Notes and keys are extras: the run goes on without them.
      return undefined;
    }
  }

  private async countOnOwner(query: string): Promise<number | undefined> {
    if (!this.owner) return undefined;
    try {
      const r = await this.owner.catalog(query, [], this.request.signal);
      const n = Number(r.rows[0]?.[0]);
      return Number.isFinite(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  private noOwner(): Side {
    return {
      kind: 'error',
      error: {
        title: 'No owner connection',
        message: 'The owner\'s view needs the owner connection (DATABASE_URL). Add it to compare what the user sees with everything in the table.',
        fixes: [fixAction('chooseConnection')],
      },
    };
  }

  private async ownerRead(signal: AbortSignal | undefined): Promise<Side> {
    if (!this.owner) return this.noOwner();
    try {
      const r = await this.owner.read(this.statement.text, { locksRows: this.statement.locksRows, signal });
      if (this.statement.locksRows) {
        this.notes.push({ level: 'info', message: 'SELECT … FOR UPDATE/SHARE takes row locks, which Postgres refuses in a READ ONLY transaction, so the owner\'s view ran it in a read-write transaction (the parser found nothing in it that writes).' });
      }
      return { kind: 'rows', raw: r.value, durationMs: r.durationMs };
    } catch (err) {
      return { kind: 'error', error: this.explain(err, this.context('owner', this.engine.ownerUrl)) };
    }
  }

  private async ownerAfterWrite(user: Side, signal: AbortSignal | undefined): Promise<Side> {
    const target = this.statement.targetTables[0];
    const command = this.statement.command;
    if (!target) {
      return { kind: 'skipped-write', message: `${command} ${user.kind === 'rows' ? 'ran once, on the user side only' : 'did not run'}; it names no table for the owner's side to show.` };
    }
    if (!this.owner) return this.noOwner();
    const name = formatTableRef(target);
    const relation = this.facts?.relations.find((r) => r.name === name);
    const order = relation?.primaryKeyColumns?.length ? ` order by ${relation.primaryKeyColumns.map(quoteIdent).join(', ')}` : '';
    const limit = this.engine.ownerRowLimit;
    try {
      const r = await this.owner.read(`select * from ${name}${order} limit ${limit + 1}`, { signal });
      const raw = r.value;
      const truncated = raw.rows.length > limit;
      if (truncated) {
        raw.rows = raw.rows.slice(0, limit);
        raw.rowCount = limit;
      }
      const state = user.kind === 'rows' ? `after the ${command}` : `unchanged: the ${command} failed`;
      return { kind: 'rows', raw, durationMs: r.durationMs, caption: `${name} ${state} (owner's view, read only${truncated ? `, first ${limit} rows` : ''})` };
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code === '42P01') {
        return { kind: 'skipped-write', message: `${name} does not exist (any more), so the owner's side has nothing to show after the ${command}.` };
      }
      return { kind: 'error', error: this.explain(err, this.context('owner', this.engine.ownerUrl)) };
    }
  }

  // ---- results -----------------------------------------------------------------------------------

  /** Looks up the type names and primary keys the results need that the pre-run facts did not give. */
  private async completeCatalog(sides: Side[]): Promise<void> {
    const raws = sides.flatMap((s) => (s.kind === 'rows' ? [s.raw] : []));
    const missing = missingFromCatalog(raws, this.catalog);
    if (!this.owner || (!missing.typeOids.length && !missing.tableOids.length)) return;
    try {
      const r = await this.owner.catalog(RESULT_CATALOG_QUERY, [oidArrayParam(missing.typeOids), oidArrayParam(missing.tableOids)], this.request.signal);
      addCatalogRows(this.catalog, r.rows);
    } catch {
      // Without them the grids still show the values; hidden rows are then matched by whole row.
    }
  }

  private toOutcome(side: Side): OwnerOutcome {
    if (side.kind !== 'rows') return side;
    // Rows are identified by a primary key only when they come from one relation (not a join).
    const oneRelation = side.caption !== undefined || this.statement.relationOccurrences <= 1;
    const result = toResultSet(side.raw, side.durationMs, this.catalog, { keys: oneRelation });
    return side.caption ? { kind: 'rows', result, caption: side.caption } : { kind: 'rows', result };
  }

  // ---- notes -------------------------------------------------------------------------------------

  private readNotes(owner: ResultSet, user: ResultSet, hiddenCount: number): void {
    const o = owner.rows.length;
    const u = user.rows.length;
    const who = this.identityLabel();
    const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
    if (o > 0 && u === 0) {
      this.notes.push({ level: 'warning', message: `RLS hid ${rows(o)}: the owner sees ${o}, ${who} sees none. The user's result is empty because of row-level security, not because there is nothing there.` });
    } else if (u < o) {
      this.notes.push({ level: 'info', message: `RLS hid ${rows(o - u)}: the owner sees ${o}, ${who} sees ${u}. The hidden rows are marked in the owner's grid.` });
    } else if (hiddenCount > 0) {
      this.notes.push({ level: 'info', message: `${hiddenCount} of the owner's ${rows(o)} differ from the user's: RLS filters rows before aggregates, joins and sub-queries, so the same query computes other values.` });
    } else if (o === 0 && u === 0) {
      this.notes.push({ level: 'info', message: 'Both sides are empty: the owner sees no rows either, so RLS hid nothing here.' });
    } else if (u > o) {
      this.notes.push({ level: 'info', message: `The user sees ${rows(u)}, the owner ${o}: the query depends on who runs it (e.g. current_user or auth.user_id()).` });
    } else {
      this.notes.push({ level: 'info', message: `${who} sees every row the owner sees (${o}).` });
    }
  }

  private writeNotes(user: Side, ownerMatching: number | undefined): void {
    if (user.kind !== 'rows') return;
    const { command, kind } = this.statement;
    const affected = user.raw.rowCount;
    const who = this.identityLabel();
    this.notes.push({ level: 'info', message: `${command} ran once, as ${who}, on the user side only${affected !== null ? `: ${affected} row${affected === 1 ? '' : 's'}` : ''}.` });
    if ((kind === 'update' || kind === 'delete') && affected !== null && ownerMatching !== undefined && affected < ownerMatching) {
      const verb = kind === 'update' ? 'UPDATE' : 'DELETE';
      this.notes.push({
        level: 'warning',
        message:
          affected === 0
            ? `${verb} affected 0 rows, but the owner's view has ${ownerMatching} row${ownerMatching === 1 ? '' : 's'} matching its WHERE clause: the USING clause of the ${verb} (or SELECT) policy hid ${ownerMatching === 1 ? 'it' : 'them'} from ${who}. RLS makes such a ${verb} silently affect nothing; only a WITH CHECK failure raises an error.`
            : `${verb} affected ${affected} of the ${ownerMatching} rows its WHERE clause matches for the owner: the USING clause of the ${verb} (or SELECT) policy hid ${ownerMatching - affected} from ${who}.`,
      });
    }
  }

  private tableNotes(): void {
    for (const r of this.facts?.relations ?? []) {
      if (!r.found || (r.kind !== 'r' && r.kind !== 'p')) continue;
      const name = r.schema && r.relname ? `${r.schema}.${r.relname}` : r.name;
      if (!r.rlsEnabled) {
        this.notes.push({ level: 'warning', message: `Row-level security is not enabled on ${name}: every role with privileges on it sees and changes every row, whatever the policies say. ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;` });
        continue;
      }
      if (!r.policies || r.bypassed) continue;
      const needed = this.statement.readOnly ? 'select' : (['insert', 'update', 'delete'] as const).find((c) => c === this.statement.kind);
      if (needed && r.policies[needed] === 0) {
        const effect = needed === 'select' ? 'it returns no rows' : needed === 'insert' ? 'every new row is refused' : 'no row is ever affected';
        this.notes.push({ level: 'warning', message: `${name} has RLS enabled but no ${needed.toUpperCase()} policy for role ${this.userRole}, so for this role ${effect}.` });
      }
    }
  }

  private claimNotes(user: SideOutcome, owner: OwnerOutcome): void {
    const claims = this.identity.claims;
    if (claims && !(typeof claims.role === 'string' && claims.role !== '')) {
      this.notes.push({
        level: 'info',
        message: `The token has no "role" claim: it ran as role ${this.userRole} here, but Neon's Data API refuses such a token even with a valid signature. Have the provider add role: "authenticated".`,
      });
    }
    if (!/\bauth\s*\.\s*(user_id|uid|session|jwt)\s*\(/i.test(this.statement.text)) return;
    if (user.kind === 'rows' && !this.identity.sub) {
      this.notes.push({ level: 'warning', message: `auth.user_id() is NULL on the user side: ${this.identity.claims ? 'the token has no "sub" claim' : 'no token was sent'}.` });
    }
    if (owner.kind === 'rows' && !this.asWrite) {
      this.notes.push({ level: 'info', message: 'The owner\'s view runs without a token: auth.user_id() is NULL there (as when testing as the owner), so conditions on it match nothing on that side.' });
    }
  }
}
