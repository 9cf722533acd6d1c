/**
 * The workspace's `.env` files as the connection layer reads them (to connect to the URLs an app
 * uses) and writes them (the playground fills in its URLs where a file opts in).
 */
import * as vscode from 'vscode';
import type { EnvDiscovery, EnvFile, EnvMode } from '../../core/connections';
import type { Playground } from '../../playground/playground';
import { discoverEnv } from './envConnections';

/** The first workspace folder: paths in pickers and labels are shown relative to it. */
export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Which `.env` files apply, as Next.js picks them (the `neonAuthorize.envMode` setting). */
export function workspaceEnvMode(): EnvMode {
  const mode = vscode.workspace.getConfiguration('neonAuthorize').get<string>('envMode');
  return mode === 'production' || mode === 'test' ? mode : 'development';
}

async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export async function readWorkspaceEnvFiles(): Promise<EnvFile[]> {
  const uris = await vscode.workspace.findFiles('**/.env*', '**/node_modules/**', 500);
  const files: EnvFile[] = [];
  for (const uri of uris) {
    try {
      files.push({ path: uri.fsPath, text: await readText(uri) });
    } catch {
      // A file that vanished or cannot be read is simply not a candidate.
    }
  }
  return files;
}

/** The `.env` connections of the workspace's folders. */
export async function discoverWorkspaceEnv(): Promise<{ discovery: EnvDiscovery; files: EnvFile[] }> {
  const files = await readWorkspaceEnvFiles();
  return { discovery: discoverEnv(files, workspaceEnvMode()), files };
}

/** Fills in the playground's URLs in workspace `.env` files that opt in with the marker line. */
export async function pointEnvFilesAtPlayground(playground: Playground, log: (line: string) => void): Promise<void> {
  const { wantsPlaygroundEnv, fillEnvVariables } = await import('../../core/connections/playgroundEnv');
  const { playgroundEnvVariables } = await import('../../playground/playground');
  for (const uri of await vscode.workspace.findFiles('**/.env', '**/node_modules/**', 20)) {
    try {
      const text = await readText(uri);
      if (!wantsPlaygroundEnv(text)) continue;
      const updated = fillEnvVariables(text, playgroundEnvVariables(playground));
      if (updated !== text) {
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(updated));
        log(`Pointed ${vscode.workspace.asRelativePath(uri)} at the playground (127.0.0.1:${playground.port}).`);
      }
    } catch (err) {
      log(`Could not update ${vscode.workspace.asRelativePath(uri)}: ${(err as Error).message}`);
    }
  }
}
