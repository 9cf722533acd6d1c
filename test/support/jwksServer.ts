/** A JWKS server on 127.0.0.1 for tests: serves what the test says, counts requests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JwksTestServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(respond: (path: string) => { status?: number; contentType?: string; body: string }): Promise<JwksTestServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    const r = respond(req.url ?? '/');
    res.writeHead(r.status ?? 200, { 'Content-Type': r.contentType ?? 'application/json' });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
