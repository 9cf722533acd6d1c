// Serves the webview bundle the way VS Code does (the HTML from renderWebviewHtml, same CSP and nonce)
// from a local HTTP server, in Debian's Chromium, with a fake extension host that speaks the typed
// protocol and checks every message the panel sends with the host's own validators.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeNonce, renderWebviewHtml } from '../../src/core/webviewHtml';
import { errorResponse, okResponse, requestIdOf, validateWebviewMessage, type FixButton, type HostToWebview, type InitState, type RequestOf, type RequestType, type ResultOf, type WebviewToHost, type WireHostToWebview } from '../../src/core/runAsUserProtocol/messages';
import { packForWebview } from '../../src/core/runAsUserProtocol/packedRows';

/** The project folder: found upwards, so this also works when bundled into dist/ (benchmarks). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'esbuild.mjs')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`Could not find the project folder above ${from}`);
  }
}

export const root = findRoot(__dirname);
export const artifactsDir = join(root, 'test-artifacts/browser');

let built = false;
/** Builds media/runAsUser.js and .css with the project's esbuild script (once per mocha process). */
export function buildWebview(): void {
  if (built) return;
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node esbuild.mjs failed:\n${r.stdout}\n${r.stderr}`);
  built = true;
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json',
};

/** Folders the server exposes, as VS Code exposes localResourceRoots. */
const mounts: Record<string, string> = {
  '/media/': join(root, 'media'),
  '/codicons/': join(root, 'node_modules/@vscode/codicons/dist'),
  '/theme/': join(root, 'test/browser/fixtures'),
};

export interface PanelServer {
  url: string;
  origin: string;
  close(): Promise<void>;
}

export async function startPanelServer(panel = 'runAsUser'): Promise<PanelServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      const html = renderWebviewHtml({
        cspSource: origin,
        nonce: makeNonce(),
        scriptUri: `${origin}/media/${panel}.js`,
        styleUris: [`${origin}/theme/vscode-dark.css`, `${origin}/media/${panel}.css`],
        codiconUri: `${origin}/codicons/codicon.css`,
        title: 'Run as User',
        bodyClass: 'vscode-dark',
      });
      res.writeHead(200, { 'content-type': contentTypes['.html'] });
      res.end(html);
      return;
    }
    const mount = Object.keys(mounts).find((m) => path.startsWith(m));
    const file = mount ? normalize(join(mounts[mount], path.slice(mount.length))) : '';
    if (!mount || !file.startsWith(mounts[mount]) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${origin}/`, origin, close: () => new Promise((ok) => server.close(() => ok())) };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Page-side stand-in for VS Code's webview API. A string, not a function: tsx's transform would add
 *  helpers to a function's source that do not exist in the page. */
const FAKE_VSCODE_API = `(() => {
  const saved = sessionStorage.getItem('naw-webview-state');
  let state = saved ? JSON.parse(saved) : undefined;
  const violations = [];
  window.__nawCspViolations = violations;
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ': ' + e.blockedURI));
  window.__nawState = () => state;
  window.acquireVsCodeApi = () => ({
    // VS Code serializes messages to the host; a JSON round trip does the same here.
    postMessage: (msg) => window.__nawHostReceive(JSON.parse(JSON.stringify(msg))),
    getState: () => state,
    setState: (s) => {
      state = s;
      sessionStorage.setItem('naw-webview-state', JSON.stringify(s));
    },
  });
})();`;

type Handler<T extends RequestType> = (req: RequestOf<T>) => ResultOf<T> | Promise<ResultOf<T>>;

/** Thrown by a handler to answer ok:false. */
export class HostError extends Error {
  readonly fixes: FixButton[];
  constructor(message: string, ...fixes: FixButton[]) {
    super(message);
    this.fixes = fixes;
  }
}

/** The extension host's side for tests: answers `ready` with `init`, dispatches requests to handlers,
 *  records everything, and rejects any message the real protocol validators reject. */
export class FakeHost {
  readonly received: WebviewToHost[] = [];
  readonly invalid: { message: unknown; error: string }[] = [];
  private readonly handlers = new Map<RequestType, Handler<RequestType>>();
  private waiters: { matches: (m: WebviewToHost, index: number) => boolean; resolve: (m: WebviewToHost) => void }[] = [];

  constructor(
    readonly page: Page,
    public initState: InitState,
  ) {}

  /** Installs the fake `acquireVsCodeApi` and the message bridge; call before `page.goto`. */
  async install(): Promise<void> {
    await this.page.exposeFunction('__nawHostReceive', (msg: unknown) => this.receive(msg));
    await this.page.addInitScript({ content: FAKE_VSCODE_API });
  }

  handle<T extends RequestType>(type: T, handler: Handler<T>): void {
    this.handlers.set(type, handler as unknown as Handler<RequestType>);
  }

  /** Pushes a message to the panel as the host would (run answers with their rows packed, as panel.ts
   *  posts them; deliberately malformed messages go as they are). */
  async send(message: HostToWebview | Record<string, unknown>): Promise<void> {
    const wire = typeof message.type === 'string' && message.type === 'response' && message.ok === true ? packForWebview(message as HostToWebview) : message;
    await this.sendWire(wire);
  }

  /** Posts a message to the panel exactly as given (e.g. a run answer whose packed rows are broken). */
  async sendWire(message: WireHostToWebview | Record<string, unknown>): Promise<void> {
    await this.page.evaluate((m) => window.postMessage(m, '*'), message as Record<string, unknown>);
  }

  /** Messages of a type received so far. */
  all<T extends WebviewToHost['type']>(type: T): Extract<WebviewToHost, { type: T }>[] {
    return this.received.filter((m) => m.type === type) as Extract<WebviewToHost, { type: T }>[];
  }

  /** The first message of `type` at or after position `since` in `received`, waiting for it if needed. */
  next<T extends WebviewToHost['type']>(type: T, since = 0, timeoutMs = 10_000): Promise<Extract<WebviewToHost, { type: T }>> {
    const matches = (m: WebviewToHost, i: number) => m.type === type && i >= since;
    const found = this.received.find(matches);
    if (found) return Promise.resolve(found as Extract<WebviewToHost, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} message from the panel within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        matches,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<WebviewToHost, { type: T }>);
        },
      });
    });
  }

  mark(): number {
    return this.received.length;
  }

  private async receive(message: unknown): Promise<void> {
    const checked = validateWebviewMessage(message);
    if (!checked.ok) {
      this.invalid.push({ message, error: checked.error });
      const id = requestIdOf(message);
      if (id !== undefined) await this.send(errorResponse(id, checked.error));
      return;
    }
    const msg = checked.value;
    const index = this.received.push(msg) - 1;
    this.waiters = this.waiters.filter((w) => (w.matches(msg, index) ? (w.resolve(msg), false) : true));
    if (msg.type === 'ready') {
      await this.send({ type: 'init', state: this.initState });
      return;
    }
    const handler = this.handlers.get(msg.type);
    if (!handler) return;
    try {
      await this.send(okResponse(msg.id, await handler(msg)));
    } catch (e) {
      await this.send(errorResponse(msg.id, (e as Error).message, ...(e instanceof HostError ? e.fixes : [])));
    }
  }
}

export function screenshotPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, `${name}.png`);
}
