// Roles that matter for RLS: whether `authenticated`/`anonymous` exist, who bypasses RLS (superusers,
// BYPASSRLS), who can log in, and whether the current user may SET ROLE to each (run-as-user needs it).
import { runCatalogQuery, type Queryable } from './queryable';
import { asBool, asJson, asString } from './values';

export interface RoleInfo {
  readonly name: string;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
  readonly canLogin: boolean;
  readonly inherit: boolean;
  /** The current user is a member (directly or not), so it can SET ROLE to it. */
  readonly currentUserIsMember: boolean;
}

export interface RolesInfo {
  readonly currentUser: string;
  readonly sessionUser: string;
  /** Every role except the predefined pg_* ones, by name. */
  readonly roles: readonly RoleInfo[];
  readonly authenticated: RoleInfo | null;
  readonly anonymous: RoleInfo | null;
  /** The current user: a superuser or BYPASSRLS role sees every row whatever the policies say. */
  readonly current: RoleInfo | null;
}

const ROLES_SQL = `
SELECT current_user AS current_user,
       session_user AS session_user,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', r.rolname,
                 'superuser', r.rolsuper,
                 'bypassRls', r.rolbypassrls,
                 'canLogin', r.rolcanlogin,
                 'inherit', r.rolinherit,
                 'currentUserIsMember', pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')) ORDER BY r.rolname), '[]'::json)
          FROM pg_catalog.pg_roles r
         WHERE r.rolname !~ '^pg_') AS roles`;

export async function introspectRoles(q: Queryable): Promise<RolesInfo> {
  const [row] = await runCatalogQuery(q, 'roles', ROLES_SQL);
  const roles = asJson<RoleInfo[]>(row?.roles, []).map((r) => ({
    name: r.name,
    superuser: asBool(r.superuser),
    bypassRls: asBool(r.bypassRls),
    canLogin: asBool(r.canLogin),
    inherit: asBool(r.inherit),
    currentUserIsMember: asBool(r.currentUserIsMember),
  }));
  const byName = (name: string) => roles.find((r) => r.name === name) ?? null;
  const currentUser = asString(row?.current_user);
  return {
    currentUser,
    sessionUser: asString(row?.session_user),
    roles,
    authenticated: byName('authenticated'),
    anonymous: byName('anonymous'),
    current: byName(currentUser),
  };
}
