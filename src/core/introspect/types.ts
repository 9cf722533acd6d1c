// Shapes of what the catalog says about tables, columns, policies and privileges: read by introspection,
// taken by the scaffolds and the advisor.

export interface ColumnDescription {
  readonly name: string;
  /** As format_type() prints it: `text`, `uuid`, `character varying(255)`, `timestamp with time zone`… */
  readonly type: string;
  /** As pg_get_expr() prints it, or null. */
  readonly default?: string | null;
  readonly identity?: 'always' | 'by-default' | null;
  /** Stored/virtual generated column: cannot take a default. */
  readonly generated?: boolean;
  readonly nullable?: boolean;
}

export interface TableDescription {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnDescription[];
  readonly primaryKey?: readonly string[];
}

/** The command a policy applies to (`pg_policies.cmd`). */
export type PolicyCommand = 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/** The privileges a role can hold on a table. */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number];
