/**
 * The two sides of a run, kept apart by construction:
 * - `UserSide` runs a statement AS someone: over Neon's Authorize HTTP path it always carries the token;
 *   with self-verified claims every transaction starts with the claims, SET LOCAL ROLE and the RLS guard.
 *   It has no way to run a statement without that identity.
 * - `OwnerView` runs on the owner connection, only in READ ONLY transactions (one exception: a SELECT … FOR
 *   UPDATE/SHARE, which Postgres refuses in READ ONLY and which the parser has shown writes nothing).
 * Each side opens its own connection from its own target: neither is ever handed the other's executor, so
 * the owner connection cannot serve the user's side.
 */
import type { RunPath } from './outcome';
import { quoteIdent } from '../sql/quote';
import { chooseDriver, openExecutor, type ConnectionTarget, type RawResult, type SqlExecutor, type SqlStatement } from './executor';
import { rlsGuardStatement } from './relationFacts';

export type SideName = 'user' | 'owner';

/** What either side ran: statement texts only (never parameters, tokens or passwords). */
export interface QueryEvent {
  side: SideName;
  path: RunPath;
  /** Connection label (role@host/db), never the password. */
  connection: string;
  driver: 'neon-http' | 'pg';
  statements: string[];
  readOnly: boolean;
  /** Whether the transaction carried a token (Authorization: Bearer) — the token itself is never reported. */
  withToken: boolean;
  ok: boolean;
  durationMs: number;
}

export type QueryListener = (event: QueryEvent) => void;

export interface Timed<T> {
  value: T;
  durationMs: number;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const value = await work();
  return { value, durationMs: performance.now() - start };
}

function observe(
  executor: SqlExecutor,
  base: Omit<QueryEvent, 'ok' | 'durationMs' | 'statements' | 'readOnly' | 'connection' | 'driver'>,
  listener: QueryListener | undefined,
  statements: SqlStatement[],
  readOnly: boolean,
  signal: AbortSignal | undefined,
): Promise<Timed<RawResult[]>> {
  const start = performance.now();
  const report = (ok: boolean) =>
    listener?.({
      ...base,
      connection: executor.label,
      driver: executor.driver,
      statements: statements.map((s) => s.text),
      readOnly,
      ok,
      durationMs: performance.now() - start,
    });
  return timed(() => executor.transaction(statements, { readOnly, signal })).then(
    (r) => {
      report(true);
      return r;
    },
    (err: unknown) => {
      report(false);
      throw err;
    },
  );
}

export type UserSideMode =
  /** Neon Authorize HTTP (and the playground): the URL's role, the token in Authorization. */
  | { kind: 'token'; path: 'authorize-http' | 'playground'; target: ConnectionTarget; token?: string }
  /** Self-verified claims: a login role, the verified claims set in the transaction, SET LOCAL ROLE. */
  | { kind: 'claims'; path: 'self-verified'; executor: () => SqlExecutor; claims: Record<string, unknown> | null; role: string };

export class UserSide {
  private constructor(
    private readonly mode: UserSideMode,
    private readonly listener: QueryListener | undefined,
  ) {}

  /** The only way to get a user side: from the user path's own connection settings. */
  static open(mode: UserSideMode, listener?: QueryListener): UserSide {
    if (mode.kind === 'token' && chooseDriver(mode.target) !== 'neon-http') {
      throw new Error(
        'Neon\'s Authorize path sends the token over Neon\'s HTTP protocol, so it needs a Neon host (or the playground\'s local endpoint); for any other Postgres use self-verified claims.',
      );
    }
    return new UserSide(mode, listener);
  }

  get path(): RunPath {
    return this.mode.path;
  }

  /**
   * Runs one statement as the user, in one transaction. With self-verified claims the transaction first
   * sets the claims and the role and checks (in that same transaction) that RLS applies to the role for
   * `tables`; a failed check aborts it before the statement runs.
   */
  async run(statement: string, options: { readOnly: boolean; tables: string[]; signal?: AbortSignal }): Promise<Timed<RawResult>> {
    if (this.mode.kind === 'token') {
      const executor = openExecutor(this.mode.target, this.mode.token !== undefined ? { authToken: this.mode.token } : {});
      const r = await observe(executor, { side: 'user', path: this.mode.path, withToken: this.mode.token !== undefined }, this.listener, [{ text: statement }], options.readOnly, options.signal);
      return { value: r.value[0], durationMs: r.durationMs };
    }
    const statements: SqlStatement[] = [
      // `true`: local to this transaction, as pg_session_jwt's README and Neon's self-verification guide do it.
      { text: "select set_config('request.jwt.claims', $1, true)", params: [this.mode.claims ? JSON.stringify(this.mode.claims) : ''] },
      { text: `set local role ${quoteIdent(this.mode.role)}` },
      { text: rlsGuardStatement(options.tables) },
      { text: statement },
    ];
    const r = await observe(this.mode.executor(), { side: 'user', path: this.mode.path, withToken: false }, this.listener, statements, options.readOnly, options.signal);
    return { value: r.value[statements.length - 1], durationMs: r.durationMs };
  }
}

export class OwnerView {
  constructor(
    private readonly executor: SqlExecutor,
    private readonly path: RunPath,
    private readonly listener: QueryListener | undefined,
  ) {}

  get label(): string {
    return this.executor.label;
  }

  /** The user's SELECT as the owner sees it: READ ONLY, except a row-locking SELECT (see the file comment). */
  async read(statement: string, options: { locksRows?: boolean; signal?: AbortSignal } = {}): Promise<Timed<RawResult>> {
    const r = await observe(this.executor, { side: 'owner', path: this.path, withToken: false }, this.listener, [{ text: statement }], !options.locksRows, options.signal);
    return { value: r.value[0], durationMs: r.durationMs };
  }

  /** A catalog or count query with parameters, READ ONLY. */
  async catalog(text: string, params: (string | null)[], signal?: AbortSignal): Promise<RawResult> {
    const r = await observe(this.executor, { side: 'owner', path: this.path, withToken: false }, this.listener, [{ text, params }], true, signal);
    return r.value[0];
  }
}
