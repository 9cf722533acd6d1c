/**
 * Install pg_session_jwt: the Authorize guides' `CREATE EXTENSION IF NOT EXISTS pg_session_jwt;`
 * (docs/authorize-guides.md#steps) on the owner connection, then a report of the version, the authenticated/anonymous roles and USAGE on `auth`.
 */
import * as vscode from 'vscode';
import { describeConnection } from '../../core/connections';
import { introspectPgSessionJwt, introspectRoles, introspectSchemas } from '../../core/introspect';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import { INSTALL_SQL, explainCreateExtensionDenied, explainExtensionUnavailable, isCreateExtensionDenied, pgSessionJwtSummary } from './reports';

export interface InstallResult {
  version: string | null;
  schema: string | null;
  alreadyInstalled: boolean;
  roles: { authenticated: boolean; anonymous: boolean };
  authSchemaUsage: Record<string, boolean>;
  message: string;
  problems: string[];
}

export async function installPgSessionJwt(connections: Pick<WorkbenchConnectionService, 'owner' | 'output'>, refresh: () => Promise<unknown>): Promise<InstallResult> {
  const { connection, database } = await connections.owner();
  const before = await introspectPgSessionJwt(database);
  const target = describeConnection(connection.ownerUrl);
  if (!before.installed && before.defaultVersion === null) {
    throw new Error(explainExtensionUnavailable({ isNeon: target.isNeon, label: connection.label }));
  }
  if (!before.installed) {
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Installing pg_session_jwt on ${connection.label} …` },
        () => database.runScript([INSTALL_SQL]),
      );
    } catch (err) {
      if (isCreateExtensionDenied(err)) {
        throw new Error(explainCreateExtensionDenied(before, { isNeon: target.isNeon, role: target.role, database: target.database }));
      }
      throw err;
    }
  }
  const [after, roles, schemas] = await Promise.all([
    introspectPgSessionJwt(database),
    introspectRoles(database),
    introspectSchemas(database, ['authenticated', 'anonymous']),
  ]);
  const summary = pgSessionJwtSummary(before, after, roles, schemas);
  const auth = schemas.find((s) => s.name === (after.schema ?? 'auth'));
  await refresh();
  if (summary.problems.length) void vscode.window.showWarningMessage(summary.message);
  else void vscode.window.showInformationMessage(summary.message);
  connections.output.appendLine(`[pg_session_jwt] ${summary.message}`);
  return {
    version: after.installedVersion,
    schema: after.schema,
    alreadyInstalled: before.installed,
    roles: { authenticated: Boolean(roles.authenticated), anonymous: Boolean(roles.anonymous) },
    authSchemaUsage: Object.fromEntries(Object.entries(auth?.privileges ?? {}).map(([role, p]) => [role, p.usage])),
    message: summary.message,
    problems: summary.problems,
  };
}
