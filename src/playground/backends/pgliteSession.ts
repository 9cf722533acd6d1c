/**
 * The embedded database's session: PGlite (PostgreSQL in WASM, one backend), driven from the
 * worker thread the embedded backend runs it in (see pgliteBackend.ts).
 *
 * PGlite has a single session whose login user is the superuser `postgres`, so a request runs
 * as its role through `SET SESSION AUTHORIZATION`. Whatever the request could use to get back
 * to the superuser is refused up front by the SQL guard (real Postgres parser), with the error a
 * non-superuser gets on Neon. Statements go through the extended protocol, one per query, as on
 * Neon, which also gives the real RowDescription (type OIDs, table and column ids).
 */
import type { PGlite } from '@electric-sql/pglite';
import { protocol } from '@electric-sql/pglite';
import { installPgSessionJwtIntoPglite } from '../pgSessionJwt';
import type { GuardVerdict, SqlGuard } from '../sqlGuard';
import { BackendSessionSigner } from '../sessionSigner';
import {
  beginStatement,
  copyRefusal,
  parseCommandTag,
  PostgresError,
  toFieldDescription,
  toPostgresError,
  type BatchOptions,
  type FieldDescription,
  type QueryResult,
  type RequestIdentity,
  type SqlQuery,
} from './types';
import { quoteIdent, quoteLiteral } from '../../core/sql/quote';

/**
 * The settings stored with ALTER DATABASE/ROLE … SET that apply to this database: Postgres applies
 * them at login, PGlite's SET SESSION AUTHORIZATION does not, so each request applies its role's.
 * Database-wide first, then the role's for every database, then the role's for this one (the
 * later wins, as in Postgres). Never a stored session_authorization or role: who the session is
 * stays with the guard and the endpoint.
 */
const STORED_SETTINGS_SQL = `SELECT role.rolname AS role, setting.setdatabase OPERATOR(pg_catalog.<>) 0 AS here, item
  FROM pg_catalog.pg_db_role_setting setting
  LEFT JOIN pg_catalog.pg_roles role ON role.oid OPERATOR(pg_catalog.=) setting.setrole
  CROSS JOIN LATERAL pg_catalog.unnest(setting.setconfig) item
  WHERE setting.setdatabase OPERATOR(pg_catalog.=) 0
     OR setting.setdatabase OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database())`;

const NEVER_APPLIED = new Set(['session_authorization', 'role', 'pg_session_jwt.jwk']);

interface StoredSetting {
  /** The role it is stored for; null: every role (ALTER DATABASE … SET). */
  role: string | null;
  /** Stored for this database only (ALTER ROLE … IN DATABASE, ALTER DATABASE). */
  here: boolean;
  name: string;
  value: string;
}

/** Priority as Postgres gives it: database-wide, then the role's everywhere, then the role's here. */
function storedSettingRank(s: StoredSetting): number {
  return s.role === null ? 0 : s.here ? 2 : 1;
}

export interface PgliteSessionOptions {
  /** Database name the URLs use; PGlite has one database, which answers to this name. */
  database: string;
  ownerRole: string;
  /** Password for each role allowed to log in with one. */
  passwords: ReadonlyMap<string, string>;
}

type BackendMessage = { name: string } & Record<string, unknown>;

const serialize = protocol.serialize;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export class PgliteSession {
  /** PGlite serves one session: requests take turns. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly signer = new BackendSessionSigner();
  private installed = false;
  /** Whether this backend's key row is in _pg_session_jwt.backend_keys (JWK mode for the session). */
  private keyRegistered = false;
  /** Read when first needed and again after a request that may have changed them. */
  private storedSettings: StoredSetting[] | undefined;
  /** Set by the guard when the request being planned may change the stored settings. */
  private storedSettingsChanging = false;
  private readonly checked = new Map<string, CheckedStatement>();

  private constructor(
    readonly pg: PGlite,
    private readonly options: PgliteSessionOptions,
    private readonly guard: SqlGuard,
    /** The login superuser (quoted), which every request returns to. */
    private readonly superuser: string,
  ) {}

  /** Prepares an open PGlite for requests: pg_session_jwt installable, Neon's owner role. */
  static async start(pg: PGlite, options: PgliteSessionOptions, guard: SqlGuard): Promise<PgliteSession> {
    await installPgSessionJwtIntoPglite(pg);
    const superuser = quoteIdent((await pg.query<{ u: string }>('select current_user as u')).rows[0].u);
    const owner = quoteIdent(options.ownerRole);
    // Neon's owner role: not a superuser, but owns the database (and so `public`) and bypasses RLS.
    await pg.exec(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) ${quoteLiteral(options.ownerRole)}) THEN
          CREATE ROLE ${owner} LOGIN CREATEDB CREATEROLE BYPASSRLS;
        END IF;
      END $$;
      ALTER DATABASE postgres OWNER TO ${owner};
      -- A key row left by an earlier run (same pid) would put password sessions in JWK mode.
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) '_pg_session_jwt') THEN
          PERFORM _pg_session_jwt.unregister_backend_key(pg_catalog.pg_backend_pid());
        END IF;
      END $$;
    `);
    return new PgliteSession(pg, options, guard, superuser);
  }

  async checkLogin(role: string, password: string, database: string): Promise<void> {
    return this.exclusive(async () => {
      const known = this.options.passwords.get(role);
      const exists = (await this.pg.query('select 1 from pg_catalog.pg_roles where rolname OPERATOR(pg_catalog.=) $1', [role])).rows.length > 0;
      if (!exists || known === undefined || known !== password) {
        throw new PostgresError({ message: `password authentication failed for user "${role}"`, code: '28P01', severity: 'FATAL' });
      }
      this.checkDatabase(database);
    });
  }

  async execute(identity: RequestIdentity, queries: SqlQuery[], batch: BatchOptions | null): Promise<QueryResult[]> {
    return this.exclusive(async () => {
      this.checkDatabase(identity.database);
      // Every refusal comes before anything runs: a batch is all or nothing anyway.
      const statements = this.plan(identity.role, queries, batch);
      let reset = false;
      try {
        await this.startSession(identity);
        const outcome = await this.runThenReset(statements);
        reset = outcome.reset;
        if (outcome.error) throw outcome.error;
        return outcome.results.filter((_, i) => statements[i].answer !== null);
      } finally {
        if (!reset) await this.resetSession();
        // Read again before the next request, now that this one has run.
        if (this.storedSettingsChanging) this.storedSettings = undefined;
        this.storedSettingsChanging = false;
      }
    });
  }

  /**
   * Writes extension files (control file, scripts) into this PGlite's own share folder, where
   * CREATE EXTENSION looks for them; resolves with their paths. They last until PGlite restarts.
   */
  async installExtensionFiles(files: Record<string, string>): Promise<string[]> {
    return this.exclusive(async () => {
      const shareDir = (await this.pg.query<{ setting: string }>("select setting from pg_config() where name = 'SHAREDIR'")).rows[0]!.setting;
      return Object.entries(files).map(([name, text]) => {
        const path = `${shareDir}/extension/${name}`;
        this.fs().writeFile(path, text);
        return path;
      });
    });
  }

  async removeFiles(paths: string[]): Promise<void> {
    return this.exclusive(async () => {
      for (const path of paths) this.fs().unlink(path);
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.pg.close();
  }

  private fs(): { writeFile(path: string, data: string): void; unlink(path: string): void } {
    return (this.pg as unknown as { mod: { FS: ReturnType<PgliteSession['fs']> } }).mod.FS;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkDatabase(database: string): void {
    if (database !== this.options.database) {
      throw new PostgresError({ message: `database "${database}" does not exist`, code: '3D000', severity: 'FATAL' });
    }
  }

  /**
   * The guard's verdict, remembered: it depends on the text, the role and the block alone, and an
   * app sends the same few statements again and again.
   */
  private check(sql: string, role: string, inTransactionBlock: boolean): CheckedStatement {
    const key = `${inTransactionBlock ? 'B' : 'S'}${role}\u0000${sql}`;
    let checked = this.checked.get(key);
    if (checked) {
      // Most recently used last, so the oldest go first.
      this.checked.delete(key);
    } else {
      let storesSettings = false;
      const verdict = this.guard.check(sql, {
        role,
        inTransactionBlock,
        onStoredSettings: () => {
          storesSettings = true;
        },
      });
      checked = { verdict, storesSettings };
      if (sql.length > MAX_CHECKED_LENGTH) return checked;
      if (this.checked.size >= MAX_CHECKED) this.checked.delete(this.checked.keys().next().value!);
    }
    this.checked.set(key, checked);
    return checked;
  }

  /** The statements to send, after the guard's verdict on each; a batch is wrapped in BEGIN … COMMIT. */
  private plan(role: string, queries: SqlQuery[], batch: BatchOptions | null): PlannedStatement[] {
    const planned: PlannedStatement[] = queries.map((q) => {
      const { verdict, storesSettings } = this.check(q.query, role, batch !== null);
      if (storesSettings) this.storedSettingsChanging = true;
      switch (verdict.kind) {
        case 'refuse':
          throw new PostgresError({ ...verdict.error, severity: 'ERROR' });
        case 'copyWithClient':
          return { text: q.query, params: q.params, answer: undefined, copy: true };
        case 'noop': {
          const answer: QueryResult = { fields: [], rows: [], command: verdict.command, rowCount: null };
          // On Postgres, resetting the session authorization to the login role also undoes SET ROLE.
          if (verdict.command === 'DISCARD') return { text: null, params: [], answer, copy: false };
          return { text: `SET SESSION AUTHORIZATION ${quoteIdent(role)}`, params: [], answer, copy: false };
        }
        case 'run':
          return { text: q.query, params: q.params, answer: undefined, copy: false };
      }
    });
    if (!batch) return planned;
    const internal = (text: string): PlannedStatement => ({ text, params: [], answer: null, copy: false });
    return [internal(beginStatement(batch)), ...planned, internal('COMMIT')];
  }

  /**
   * What Neon does at connection start (the backend's key, pg_session_jwt.jwk), logging in as the
   * role, and per request auth.init() and auth.jwt_session_init(re-signed claims): one round trip,
   * apart from the request's own SQL, so a failed switch of role never runs it as the superuser.
   * The key stays registered while JWT requests follow each other; a password request removes it
   * (without a key, pg_session_jwt reads request.jwt.claims). Its writes run in an explicit
   * READ WRITE transaction, whatever default the database has. What runs as the superuser names
   * every function with its schema, so no search_path (the database's own, say) can choose them.
   */
  private async startSession(identity: RequestIdentity, retried = false): Promise<void> {
    const internal: string[] = [];
    if (identity.claims && (await this.extensionInstalled()) && !this.keyRegistered) {
      const { inner, outer } = this.signer.pads;
      internal.push(`SELECT _pg_session_jwt.register_backend_key(pg_catalog.pg_backend_pid(), '\\x${inner.toString('hex')}', '\\x${outer.toString('hex')}')`);
    } else if (!identity.claims && this.keyRegistered) {
      internal.push('SELECT _pg_session_jwt.unregister_backend_key(pg_catalog.pg_backend_pid())');
    }
    const asRole = [`SET SESSION AUTHORIZATION ${quoteIdent(identity.role)}`, ...(await this.settingsFor(identity.role))];
    if (identity.claims) asRole.push('SELECT auth.init()', `SELECT auth.jwt_session_init(${quoteLiteral(this.signer.sign(identity.claims))})`);
    const text = internal.length || identity.claims
      ? ['BEGIN READ WRITE', ...internal, ...asRole, 'COMMIT'].join(';\n')
      : asRole.join(';\n');
    try {
      await this.pg.exec(text);
      if (internal.length) this.keyRegistered = Boolean(identity.claims);
    } catch (err) {
      const e = toPostgresError(err);
      // Postgres refuses the login itself when the role is missing.
      if (e?.fields.code === '22023' && /^role ".*" does not exist$/.test(e.message)) {
        throw new PostgresError({ message: e.message, code: '28000', severity: 'FATAL' });
      }
      // The extension was dropped or created again since: look again, once.
      if (!retried && e && ['3F000', '42883', '42P01', '02000'].includes(e.fields.code)) {
        this.installed = false;
        this.keyRegistered = false;
        await this.resetStepByStep();
        return this.startSession(identity, true);
      }
      throw e ?? err;
    }
  }

  /** `SELECT set_config(…)` for each setting stored for the role (run as the role, after the switch). */
  private async settingsFor(role: string): Promise<string[]> {
    this.storedSettings ??= (await this.pg.query<{ role: string | null; here: boolean; item: string }>(STORED_SETTINGS_SQL)).rows
      .map((row) => {
        const at = row.item.indexOf('=');
        return { role: row.role, here: row.here, name: row.item.slice(0, at), value: row.item.slice(at + 1) };
      })
      .filter((setting) => !NEVER_APPLIED.has(setting.name.toLowerCase()));
    return this.storedSettings
      .filter((setting) => setting.role === null || setting.role === role)
      .sort((a, b) => storedSettingRank(a) - storedSettingRank(b))
      .map((setting) => `SELECT pg_catalog.set_config(${quoteLiteral(setting.name)}, ${quoteLiteral(setting.value)}, false)`);
  }

  /** Cached once seen: only CREATE/DROP EXTENSION changes it, and a failed set-up looks again. */
  private async extensionInstalled(): Promise<boolean> {
    this.installed ||= (await this.pg.query("select 1 from pg_catalog.pg_namespace where nspname OPERATOR(pg_catalog.=) '_pg_session_jwt'")).rows.length > 0;
    return this.installed;
  }

  /**
   * The request's statements and the reset after them, in one round trip. A batch with a COPY goes
   * one statement at a time instead: the server reads no further message in COPY FROM STDIN, and
   * after COPY TO STDOUT the batch must stop, as Neon's driver stops there.
   */
  private async runThenReset(statements: PlannedStatement[]): Promise<Exchange> {
    if (statements.length === 1 || !statements.some((s) => s.copy)) return this.exchange(statements, true);
    const results: QueryResult[] = [];
    for (const statement of statements) {
      const outcome = await this.exchange([statement], false);
      results.push(...outcome.results);
      if (outcome.error) return { results, error: outcome.error, reset: false };
    }
    return { results, reset: false };
  }

  /**
   * Statements through Parse/Bind/Describe/Execute (as Neon sends them) with one Sync for all, then
   * (withReset) the reset. The CopyFail after the Sync ends a COPY … FROM STDIN that would wait
   * for data; outside COPY the server ignores it, as it ignores the Sync during COPY.
   */
  private async exchange(statements: PlannedStatement[], withReset: boolean): Promise<Exchange> {
    const parts: Uint8Array[] = [];
    for (const s of statements) {
      if (s.text === null) continue;
      parts.push(serialize.parse({ text: s.text, types: [] }), serialize.bind({ values: s.params }), serialize.describe({ type: 'P' }), serialize.execute({}));
    }
    parts.push(serialize.sync(), serialize.copyFail('the playground does not take part in COPY'), serialize.sync());
    if (withReset) parts.push(serialize.query(this.resetSql()));
    const { messages } = await this.pg.execProtocol(concat(parts), { throwOnError: false } as Parameters<PGlite['execProtocol']>[1]);

    const results: QueryResult[] = [];
    let next = 0;
    const skipAnswered = () => {
      while (next < statements.length && statements[next].text === null) results.push(statements[next++].answer!);
    };
    skipAnswered();
    let fields: FieldDescription[] = [];
    let rows: (string | null)[][] = [];
    let error: Error | undefined;
    let resetError: Error | undefined;
    /** 0: the request's statements, 1: the CopyFail's Sync, 2: the reset. */
    let phase = 0;
    for (const m of messages as unknown as BackendMessage[]) {
      if (m.name === 'readyForQuery') {
        phase++;
        continue;
      }
      if (phase === 2) {
        if (m.name === 'error') resetError ??= toPostgresError(m) ?? new Error(String(m.message));
        continue;
      }
      if (phase === 1 || error) continue;
      switch (m.name) {
        case 'rowDescription':
          fields = (m.fields as FieldDescription[]).map(toFieldDescription);
          break;
        case 'dataRow':
          rows.push(m.fields as (string | null)[]);
          break;
        case 'commandComplete':
        case 'emptyQuery': {
          const statement = statements[next++];
          results.push(statement.answer ?? { fields, rows, ...parseCommandTag(m.name === 'commandComplete' ? String(m.text) : '') });
          fields = [];
          rows = [];
          skipAnswered();
          break;
        }
        case 'copyInResponse':
          // COPY swallowed the first Sync: the CopyFail's Sync ends this phase.
          phase = 1;
          error = copyRefusal();
          break;
        case 'copyOutResponse':
          error = copyRefusal();
          break;
        case 'error':
          error = toPostgresError(m) ?? new PostgresError({ message: String(m.message), code: 'XX000' });
          break;
      }
    }
    return { results, error, reset: withReset && phase >= 3 && !resetError };
  }

  /**
   * Neon resets the session after every request: DISCARD ALL's parts (DISCARD ALL itself cannot
   * share one query string), with the superuser named explicitly, because PGlite's
   * SET SESSION AUTHORIZATION DEFAULT keeps the current role. Nothing in it writes, so a
   * read-only default the request set cannot make it fail; RESET ALL comes before the one
   * function call, so the request's search_path cannot choose that function. Not DISCARD PLANS:
   * cached plans hold no session state (a plan made for one role is made again for another), and
   * dropping them would plan pg_session_jwt's functions again on every request.
   */
  private resetSql(): string {
    return [
      'ROLLBACK',
      `SET SESSION AUTHORIZATION ${this.superuser}`,
      'RESET ROLE',
      'RESET ALL',
      'CLOSE ALL',
      'DEALLOCATE ALL',
      'UNLISTEN *',
      'SELECT pg_catalog.pg_advisory_unlock_all()',
      'DISCARD SEQUENCES',
      'DISCARD TEMP',
    ].join('; ');
  }

  private async resetSession(): Promise<void> {
    try {
      await this.pg.exec(this.resetSql());
    } catch {
      await this.resetStepByStep();
    }
  }

  /**
   * The reset one statement at a time, when it could not run in one piece: each part on its own,
   * so one failure cannot undo the others. Without the superuser back, the session is unusable.
   */
  private async resetStepByStep(): Promise<void> {
    let failure: unknown;
    for (const statement of this.resetSql().split('; ')) {
      try {
        await this.pg.exec(statement);
      } catch (err) {
        if (statement.startsWith('SET SESSION AUTHORIZATION')) failure = err;
      }
    }
    if (failure) throw new Error(`the playground could not reset its database session: ${(failure as Error).message}`);
  }
}

/** Verdicts remembered (texts of up to this many statements). */
const MAX_CHECKED = 2_000;
/** Longer statements are checked every time rather than kept. */
const MAX_CHECKED_LENGTH = 4_096;

interface CheckedStatement {
  verdict: GuardVerdict;
  /** The guard saw something that may change settings stored for roles or databases. */
  storesSettings: boolean;
}

interface PlannedStatement {
  /** The SQL to run, or null when the answer needs no statement. */
  text: string | null;
  params: (string | null)[];
  /** The result to report instead of the statement's own; null: report none (BEGIN/COMMIT around a batch). */
  answer: QueryResult | null | undefined;
  /** COPY … FROM STDIN or TO STDOUT. */
  copy: boolean;
}

interface Exchange {
  results: QueryResult[];
  error?: Error;
  /** Whether the session was reset in the same round trip. */
  reset: boolean;
}
