// Shared by the setup/connections extension-host suites: the extension's exports, a recorder of the
// messages the extension shows (it wraps the real window.show*Message and calls through), a local JWKS
// server, and the fake Neon API in a child process.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { exportJWK, generateKeyPair } from 'jose';
import type { WorkbenchConnectionService } from '../../src/extension/connections/connectionService';
import type { SetupApi } from '../../src/extension/setup';
import { getExtensionUnderTest } from './extensionUnderTest';

export interface ExtensionExports {
  connections: WorkbenchConnectionService;
  setup: SetupApi;
}

export async function extensionApi(): Promise<ExtensionExports> {
  const extension = getExtensionUnderTest();
  return (await extension.activate()) as ExtensionExports;
}

export function repoRoot(): string {
  return getExtensionUnderTest().extensionPath;
}

/** Runs one of the extension's commands (the real command, through VS Code). */
export function run<T = unknown>(id: string, ...args: unknown[]): Promise<T> {
  return vscode.commands.executeCommand<T>(id, ...args) as Promise<T>;
}

export interface ShownMessage {
  severity: 'info' | 'warning' | 'error';
  text: string;
  buttons: string[];
}

/** Records what the extension shows while it runs (the calls still reach VS Code). */
export function recordMessages(): { messages: ShownMessage[]; restore(): void; errors(): string[]; find(re: RegExp): ShownMessage | undefined } {
  const window = vscode.window as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = { info: 'showInformationMessage', warning: 'showWarningMessage', error: 'showErrorMessage' } as const;
  const originals = Object.fromEntries(Object.values(names).map((n) => [n, window[n]!]));
  const messages: ShownMessage[] = [];
  for (const [severity, name] of Object.entries(names) as [ShownMessage['severity'], string][]) {
    window[name] = (text: unknown, ...rest: unknown[]) => {
      const buttons = rest.filter((r): r is string => typeof r === 'string');
      messages.push({ severity, text: String(text), buttons });
      return originals[name]!.call(vscode.window, text, ...rest);
    };
  }
  return {
    messages,
    restore() {
      for (const name of Object.values(names)) window[name] = originals[name]!;
    },
    errors: () => messages.filter((m) => m.severity === 'error').map((m) => m.text),
    find: (re) => messages.find((m) => re.test(m.text)),
  };
}

export interface LocalJwks {
  url: string;
  /** Serves 404 for this path. */
  missingUrl: string;
  kid: string;
  close(): Promise<void>;
}

/** A JWKS server on 127.0.0.1 with one ES256 key (kid, use: sig). */
export async function startLocalJwks(): Promise<LocalJwks> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `test-${Math.random().toString(36).slice(2, 8)}`;
  const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'ES256' }] });
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>Not found</html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    missingUrl: `http://127.0.0.1:${port}/no/such/jwks.json`,
    kid,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface FakeNeon {
  baseURL: string;
  call<T>(op: string, extra?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Starts test/fixtures/neon-api's fake (checked against the OpenAPI document) in a child process. */
export async function startFakeNeon(apiKey: string): Promise<FakeNeon> {
  const root = repoRoot();
  const child: ChildProcess = fork(join(root, 'test', 'extension', 'setupFakeNeonChild.ts'), [apiKey], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The fake Neon API exited (${code}): ${stderr}`)));
    child.on('message', (message: { ready?: boolean; baseURL?: string; error?: string; id?: number; result?: unknown }) => {
      if (message.ready) resolve(message.baseURL!);
      else if (message.error) reject(new Error(message.error));
      else if (message.id !== undefined) {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      }
    });
  });
  const call = <T>(op: string, extra: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      child.send({ id, op, ...extra });
    });
  return {
    baseURL,
    call,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call('stop').catch(() => {});
      await exited;
    },
  };
}

/** Every value of every scope of a configuration section, as text (to check no secret was written). */
export function everyConfigurationValue(section: string): string {
  const config = vscode.workspace.getConfiguration(section);
  const values: unknown[] = [];
  const manifest = getExtensionUnderTest().packageJSON.contributes?.configuration?.properties ?? {};
  for (const key of Object.keys(manifest)) {
    const name = key.startsWith(`${section}.`) ? key.slice(section.length + 1) : key;
    const inspected = config.inspect(name);
    values.push(inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue, inspected?.defaultValue);
  }
  values.push(config);
  return JSON.stringify(values);
}
