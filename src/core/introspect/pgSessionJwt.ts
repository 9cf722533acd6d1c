// pg_session_jwt's state: installed version, what the server offers, and the `auth` schema's functions
// (a compatible `auth` schema may exist without the extension). Neon pins 0.3.1; newer functions
// (auth.uid() 0.4, auth.organization_id() 0.5) must be checked before use.
import { runCatalogQuery, type Queryable } from './queryable';
import { asBool, asJson, asNullableString } from './values';

export interface PgSessionJwtInfo {
  readonly installed: boolean;
  readonly installedVersion: string | null;
  /** Schema the extension lives in (auth). */
  readonly schema: string | null;
  /** The version CREATE EXTENSION would install; null when the server does not offer the extension. */
  readonly defaultVersion: string | null;
  readonly availableVersions: readonly string[];
  /** The default version's control file says it may be installed by non-superusers with CREATE on the database. */
  readonly trusted: boolean | null;
  readonly superuserRequired: boolean | null;
  readonly currentUserIsSuperuser: boolean;
  readonly currentUserCanCreateInDatabase: boolean;
  readonly authSchemaExists: boolean;
  /** Function names in schema auth, sorted. */
  readonly authFunctions: readonly string[];
}

const EXTENSION_SQL = `
SELECT e.extversion AS installed_version,
       en.nspname AS schema,
       av.default_version AS default_version,
       (SELECT coalesce(json_agg(v.version ORDER BY v.version), '[]'::json)
          FROM pg_catalog.pg_available_extension_versions v WHERE v.name = 'pg_session_jwt') AS available_versions,
       dv.trusted AS trusted,
       dv.superuser AS superuser_required,
       (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) AS current_user_is_superuser,
       pg_catalog.has_database_privilege(current_database(), 'CREATE') AS can_create_in_database,
       EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') AS auth_schema_exists,
       (SELECT coalesce(json_agg(DISTINCT p.proname), '[]'::json)
          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
         WHERE pn.nspname = 'auth') AS auth_functions
  FROM (SELECT 1) AS one
  LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'pg_session_jwt'
  LEFT JOIN pg_catalog.pg_namespace en ON en.oid = e.extnamespace
  LEFT JOIN pg_catalog.pg_available_extensions av ON av.name = 'pg_session_jwt'
  LEFT JOIN pg_catalog.pg_available_extension_versions dv ON dv.name = 'pg_session_jwt' AND dv.version = av.default_version`;

export async function introspectPgSessionJwt(q: Queryable): Promise<PgSessionJwtInfo> {
  const [row = {}] = await runCatalogQuery(q, 'the pg_session_jwt extension', EXTENSION_SQL);
  const installedVersion = asNullableString(row.installed_version);
  const nullableBool = (v: unknown) => (v === null || v === undefined ? null : asBool(v));
  return {
    installed: installedVersion !== null,
    installedVersion,
    schema: asNullableString(row.schema),
    defaultVersion: asNullableString(row.default_version),
    availableVersions: asJson<string[]>(row.available_versions, []),
    trusted: nullableBool(row.trusted),
    superuserRequired: nullableBool(row.superuser_required),
    currentUserIsSuperuser: asBool(row.current_user_is_superuser),
    currentUserCanCreateInDatabase: asBool(row.can_create_in_database),
    authSchemaExists: asBool(row.auth_schema_exists),
    authFunctions: asJson<string[]>(row.auth_functions, []).sort(),
  };
}
