// What the three Run-as-User commands put in the panel: the selection or the statement at the cursor of a
// SQL editor, or a table's first rows. No runtime `vscode` import: unit-tested in plain Node.
import type * as vscode from 'vscode';
import { quoteIdentAlways } from '../../core/sql/quote';

/** `select * from "schema"."table" limit 200`: always quoted, so any table name works. */
export function tableQuery(schema: string, table: string): string {
  return `select * from ${quoteIdentAlways(schema)}.${quoteIdentAlways(table)} limit 200`;
}

export interface TableRefArg {
  schema: string;
  table: string;
}

/**
 * The table a command argument names: `{schema, table}`, a tree item carrying those (or `name` for the
 * table), or one with a `table` object inside.
 */
export function tableFromArgument(arg: unknown): TableRefArg | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as Record<string, unknown>;
  const schema = typeof a.schema === 'string' && a.schema ? a.schema : undefined;
  if (typeof a.table === 'string' && a.table) return { schema: schema ?? 'public', table: a.table };
  if (typeof a.table === 'object' && a.table !== null) return tableFromArgument(a.table);
  if (typeof a.name === 'string' && a.name && schema) return { schema, table: a.name };
  return undefined;
}

/** The statement to run from an editor: the selection, else the statement under the cursor. */
export async function statementFromEditor(editor: Pick<vscode.TextEditor, 'document' | 'selection'>): Promise<string | undefined> {
  const { document, selection } = editor;
  if (!selection.isEmpty) {
    const text = document.getText(selection).trim();
    if (text) return text;
  }
  const text = document.getText();
  if (!text.trim()) return undefined;
  // The SQL parser (WASM) is loaded on first use only.
  const [{ loadSqlParser }, { statementAt }] = await Promise.all([import('../../core/sql/parser'), import('../../core/sqlClassify')]);
  await loadSqlParser();
  return statementAt(text, document.offsetAt(selection.active))?.text.trim() || undefined;
}
