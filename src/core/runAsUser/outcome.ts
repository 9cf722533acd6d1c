// What the run-as-user engine answers, in its own terms. The extension maps these to the panel's messages
// (runResponseOf in src/extension/runAsUser/host.ts), so the engine and the protocol can change apart.
import type { FixAction } from '../fixActions';

/** How the user side is run (docs/run-paths.md): Neon Authorize HTTP, self-verified claims, or the playground. */
export const RUN_PATHS = ['authorize-http', 'self-verified', 'playground'] as const;
export type RunPath = (typeof RUN_PATHS)[number];

export interface ResultField {
  name: string;
  /** Postgres type OID (from the driver's `fields`). */
  dataTypeID: number;
  typeName?: string;
}

/** Postgres text form of a value; null is SQL NULL. */
export type Cell = string | null;

export interface ResultSet {
  fields: ResultField[];
  rows: Cell[][];
  rowCount: number | null;
  /** First word of the command tag: SELECT, INSERT, UPDATE, ... */
  command: string;
  durationMs: number;
  /** Indices into `fields` of the primary-key columns, when the result carries the whole key. */
  keyColumns?: number[];
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

export interface RunNote {
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** One side of a run: rows (`caption` overrides the grid title), or an explained error. */
export type SideOutcome = { kind: 'rows'; result: ResultSet; caption?: string } | { kind: 'error'; error: ExplainedError };

/** The owner's side is also skipped for a write that has no table to show afterwards. */
export type OwnerOutcome = SideOutcome | { kind: 'skipped-write'; message: string };

export interface RunResult {
  kind: 'ran';
  path: RunPath;
  /** e.g. "Self-verified claims on neon-main (role authenticated)". */
  pathLabel: string;
  /** Who the user side ran as, e.g. "alice (role authenticated)" or "no token (role anonymous)". */
  identityLabel: string;
  user: SideOutcome;
  owner: OwnerOutcome;
  /** Indices into the owner's rows the user does not see (from `markHiddenRows`). */
  hiddenOwnerRows?: number[];
  hiddenMatchedBy?: 'primary-key' | 'whole-row';
  notes: RunNote[];
}
