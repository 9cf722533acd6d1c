/**
 * The embedded backend: PGlite (PostgreSQL in WASM, one backend, in-process).
 *
 * PGlite has a single session whose login user is the superuser `postgres`, so a request runs
 * as its role through `SET SESSION AUTHORIZATION`. Whatever the request could use to get back
 * to the superuser is refused up front by the SQL guard (real Postgres parser), with the error a
 * non-superuser gets on Neon. Statements go through the extended protocol, one per query, as on
 * Neon, which also gives the real RowDescription (type OIDs, table and column ids).
 */
import { PGlite, protocol } from '@electric-sql/pglite';
import { installPgSessionJwtIntoPglite } from '../pgSessionJwt';
import type { SqlGuard } from '../sqlGuard';
import { BackendSessionSigner } from '../sessionSigner';
import {
  beginStatement,
  parseCommandTag,
  PostgresError,
  toFieldDescription,
  toPostgresError,
  type BatchOptions,
  type FieldDescription,
  type QueryResult,
  type RequestIdentity,
  type SqlBackend,
  type SqlQuery,
} from './types';
import { quoteIdent, quoteLiteral } from '../../core/scaffold/sqlIdent';

export interface PgliteBackendOptions {
  /** Data folder for a persistent database; undefined keeps it in memory. */
  dataDir?: string;
  /** Database name the URLs use; PGlite has one database, which answers to this name. */
  database: string;
  ownerRole: string;
  /** Password for each role allowed to log in with one. */
  passwords: ReadonlyMap<string, string>;
  guard: SqlGuard;
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

export class PgliteBackend implements SqlBackend {
  readonly kind = 'pglite' as const;
  /** PGlite serves one session: requests take turns. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly signer = new BackendSessionSigner();
  private installed = false;

  private constructor(
    readonly pg: PGlite,
    private readonly options: PgliteBackendOptions,
    /** The login superuser (quoted), which every request returns to. */
    private readonly superuser: string,
  ) {}

  static async open(options: PgliteBackendOptions): Promise<PgliteBackend> {
    const pg = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
    await installPgSessionJwtIntoPglite(pg);
    const superuser = quoteIdent((await pg.query<{ u: string }>('select current_user as u')).rows[0].u);
    const owner = quoteIdent(options.ownerRole);
    // Neon's owner role: not a superuser, but owns the database (and so `public`) and bypasses RLS.
    await pg.exec(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${quoteLiteral(options.ownerRole)}) THEN
          CREATE ROLE ${owner} LOGIN CREATEDB CREATEROLE BYPASSRLS;
        END IF;
      END $$;
      ALTER DATABASE postgres OWNER TO ${owner};
    `);
    return new PgliteBackend(pg, options, superuser);
  }

  async checkLogin(role: string, password: string, database: string): Promise<void> {
    return this.exclusive(async () => {
      const known = this.options.passwords.get(role);
      const exists = (await this.pg.query('select 1 from pg_roles where rolname = $1', [role])).rows.length > 0;
      if (!exists || known === undefined || known !== password) {
        throw new PostgresError({ message: `password authentication failed for user "${role}"`, code: '28P01', severity: 'FATAL' });
      }
      this.checkDatabase(database);
    });
  }

  async execute(identity: RequestIdentity, queries: SqlQuery[], batch: BatchOptions | null): Promise<QueryResult[]> {
    return this.exclusive(async () => {
      this.checkDatabase(identity.database);
      try {
        await this.startSession(identity);
        if (batch) return await this.runBatch(identity.role, queries, batch);
        return [await this.runStatement(identity.role, queries[0], false)];
      } finally {
        await this.resetSession();
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.pg.close();
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
   * One round trip: what Neon does at connection start (the backend's key, pg_session_jwt.jwk),
   * logging in as the role, and per request auth.init() and auth.jwt_session_init(re-signed claims).
   */
  private async startSession(identity: RequestIdentity): Promise<void> {
    const statements: string[] = [];
    if (identity.claims && (await this.extensionInstalled())) {
      const { inner, outer } = this.signer.pads;
      statements.push(`SELECT _pg_session_jwt.register_backend_key(pg_backend_pid(), '\\x${inner.toString('hex')}', '\\x${outer.toString('hex')}')`);
    }
    statements.push(`SET SESSION AUTHORIZATION ${quoteIdent(identity.role)}`);
    if (identity.claims) {
      statements.push('SELECT auth.init()', `SELECT auth.jwt_session_init(${quoteLiteral(this.signer.sign(identity.claims))})`);
    }
    try {
      await this.pg.exec(statements.join(';\n'));
    } catch (err) {
      const e = toPostgresError(err);
      // Postgres refuses the login itself when the role is missing.
      if (e?.fields.code === '22023' && /^role ".*" does not exist$/.test(e.message)) {
        throw new PostgresError({ message: e.message, code: '28000', severity: 'FATAL' });
      }
      if (e?.fields.code === '3F000') this.installed = false;
      throw e ?? err;
    }
  }

  /** Cached once seen: only CREATE/DROP EXTENSION changes it, and a failed call re-checks. */
  private async extensionInstalled(): Promise<boolean> {
    this.installed ||= (await this.pg.query("select 1 from pg_namespace where nspname = '_pg_session_jwt'")).rows.length > 0;
    return this.installed;
  }

  private async runBatch(role: string, queries: SqlQuery[], batch: BatchOptions): Promise<QueryResult[]> {
    await this.runInternal(beginStatement(batch), []);
    const results: QueryResult[] = [];
    for (const q of queries) results.push(await this.runStatement(role, q, true));
    await this.runInternal('COMMIT', []);
    return results;
  }

  private async runStatement(role: string, q: SqlQuery, inTransactionBlock: boolean): Promise<QueryResult> {
    const verdict = this.options.guard.check(q.query, { role, inTransactionBlock });
    if (verdict.kind === 'refuse') throw new PostgresError({ ...verdict.error, severity: 'ERROR' });
    if (verdict.kind === 'noop') {
      // On Postgres, resetting the session authorization to the login role also undoes SET ROLE.
      if (verdict.command !== 'DISCARD') await this.pg.exec(`SET SESSION AUTHORIZATION ${quoteIdent(role)}`);
      return { fields: [], rows: [], command: verdict.command, rowCount: null };
    }
    return this.runExtended(q.query, q.params);
  }

  private runInternal(text: string, params: (string | null)[] | unknown[]): Promise<QueryResult> {
    return this.runExtended(text, params as (string | null)[]);
  }

  /** One statement through Parse/Bind/Describe/Execute/Sync, as Neon sends it. */
  private async runExtended(text: string, params: (string | null)[]): Promise<QueryResult> {
    const values = params.map((p) => (p === null || typeof p === 'string' ? p : Buffer.isBuffer(p) ? `\\x${(p as Buffer).toString('hex')}` : String(p)));
    const message = concat([
      serialize.parse({ text, types: [] }),
      serialize.bind({ values }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    const { messages } = await this.pg.execProtocol(message, { throwOnError: false } as Parameters<PGlite['execProtocol']>[1]);
    let fields: FieldDescription[] = [];
    const rows: (string | null)[][] = [];
    let tag = '';
    for (const m of messages as unknown as BackendMessage[]) {
      if (m.name === 'error') throw toPostgresError(m) ?? new PostgresError({ message: String(m.message), code: 'XX000' });
      if (m.name === 'rowDescription') {
        fields = (m.fields as FieldDescription[]).map(toFieldDescription);
      } else if (m.name === 'dataRow') rows.push(m.fields as (string | null)[]);
      else if (m.name === 'commandComplete') tag = String(m.text);
    }
    return { fields, rows, ...parseCommandTag(tag) };
  }

  /**
   * Neon resets the session after every request: DISCARD ALL's parts in one round trip (DISCARD
   * ALL itself cannot share one), and the superuser named explicitly, because PGlite's
   * SET SESSION AUTHORIZATION DEFAULT keeps the current role.
   */
  private async resetSession(): Promise<void> {
    if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
    const unregister = this.installed ? 'SELECT _pg_session_jwt.unregister_backend_key(pg_backend_pid());' : '';
    await this.pg.exec(
      `SET SESSION AUTHORIZATION ${this.superuser}; ${unregister} CLOSE ALL; RESET ALL; DEALLOCATE ALL; UNLISTEN *;` +
        ` SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD SEQUENCES; DISCARD TEMP; SET SESSION AUTHORIZATION ${this.superuser}`,
    );
  }
}
