/**
 * `naw`: the playground on the command line, so an app (or a class) can develop against it
 * without VS Code. Every failure is one line saying what to do, and a non-zero exit code.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadOrCreatePlaygroundKey } from './keyStore';
import { mintToken, parseDuration } from '../core/jwt/mint';
import { fetchJwksLikeNeon } from '../core/jwt/jwksCache';
import { LINT_HELP, LINT_USAGE, oneLine } from './lintCommand';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, startPlayground, type ProviderInput } from './playground';

const usage = `naw — Neon Authorize Workbench playground

Usage:
  naw serve [--port N] [--data DIR | --memory] [--database POSTGRES_URL] [--provider JWKS_URL[#aud=AUDIENCE]]... [--statement-timeout 30s] [--json]
  naw mint --sub ID [--claims JSON] [--expires-in 1h] [--role authenticated|anonymous] [--data DIR]
${LINT_USAGE}
  naw help

serve   Runs Neon's /sql endpoint (with Neon's JWT checks) on an embedded Postgres, or on
        --database. Prints DATABASE_URL, DATABASE_AUTHENTICATED_URL, … as .env lines (or one JSON
        line with --json) and runs until Ctrl-C. A request running longer than
        --statement-timeout (default 30s; 0 turns it off) is cancelled.
mint    Prints a JWT signed with the playground key in --data (default ${DEFAULT_DATA_DIR}),
        which 'naw serve' with the same --data accepts.
${LINT_HELP}`;

/** A user mistake: printed as one line, exit code 2. */
class UsageError extends Error {}

function parse<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}. Run 'naw help' for usage.`);
  }
}

export function parseProviderFlag(value: string): ProviderInput {
  const [jwksUrl, fragment] = value.split('#', 2);
  const input: ProviderInput = { jwksUrl };
  if (fragment !== undefined) {
    const match = /^aud=(.+)$/.exec(fragment);
    if (!match) throw new UsageError(`--provider "${value}": after # only aud=AUDIENCE is understood, e.g. --provider https://example.com/jwks.json#aud=my-app`);
    input.audience = decodeURIComponent(match[1]);
  }
  try {
    new URL(jwksUrl);
  } catch {
    throw new UsageError(`--provider "${value}" is not a URL. Give the provider's JWKS URL, e.g. https://api.stack-auth.com/api/v1/projects/PROJECT_ID/.well-known/jwks.json`);
  }
  return input;
}

async function serve(args: string[], out: (line: string) => void): Promise<() => Promise<void>> {
  const v = parse(args, {
    port: { type: 'string' },
    data: { type: 'string' },
    memory: { type: 'boolean' },
    'statement-timeout': { type: 'string' },
    database: { type: 'string' },
    provider: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  const port = v.port === undefined ? DEFAULT_PORT : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${v.port}" is not a port number (0–65535; 0 picks a free one).`);
  if (v.memory && v.database) throw new UsageError('--memory and --database do not go together: --database already keeps the data in that server.');
  const providers = (v.provider ?? []).map(parseProviderFlag);
  // A provider whose JWKS cannot be fetched would only ever answer "jwk not found": say so now.
  for (const p of providers) {
    const result = await fetchJwksLikeNeon(p.jwksUrl, { retries: 0 });
    if (!result.ok) throw new Error(`--provider ${p.jwksUrl}: ${result.failure?.message ?? 'the JWKS could not be used'}. Check the URL (open it in a browser: it must return {"keys": [...]}).`);
  }
  const statementTimeoutMs = v['statement-timeout'] === undefined ? undefined : parseTimeout(v['statement-timeout']);
  const playground = await startPlayground({ port, dataDir: v.data, memory: v.memory, databaseUrl: v.database, providers, statementTimeoutMs });
  if (v.json) {
    out(JSON.stringify({
      ownerUrl: playground.ownerUrl,
      authenticatedUrl: playground.authenticatedUrl,
      anonymousUrl: playground.anonymousUrl,
      fetchEndpoint: playground.fetchEndpoint,
      jwksUrl: playground.jwksUrl,
    }));
  } else {
    out(playground.env().trimEnd());
    out(`# Serving on ${playground.fetchEndpoint}; in your app: neonConfig.fetchEndpoint = process.env.NEON_FETCH_ENDPOINT. Ctrl-C stops.`);
  }
  return () => playground.close();
}

/** `--statement-timeout`: 500ms, 30s, 2m, or a bare number of seconds; 0 turns it off. */
export function parseTimeout(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/.exec(value);
  if (!m) throw new UsageError(`--statement-timeout "${value}" is not a duration: use 500ms, 30s or 2m (0 turns it off).`);
  const unit = { ms: 1, s: 1_000, m: 60_000, min: 60_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'min'];
  return Math.round(Number(m[1]) * unit);
}

async function mint(args: string[], out: (line: string) => void): Promise<void> {
  const v = parse(args, {
    sub: { type: 'string' },
    claims: { type: 'string' },
    'expires-in': { type: 'string' },
    role: { type: 'string' },
    data: { type: 'string' },
  });
  if (!v.sub) throw new UsageError("naw mint needs --sub ID (the user id that auth.user_id() returns), e.g. naw mint --sub alice");
  let claims: Record<string, unknown> | undefined;
  if (v.claims !== undefined) {
    try {
      claims = JSON.parse(v.claims);
    } catch {
      throw new UsageError(`--claims is not valid JSON: ${v.claims}. Example: --claims '{"org_id":"acme"}'`);
    }
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new UsageError('--claims must be a JSON object, e.g. {"org_id":"acme"}');
  }
  const role = v.role ?? 'authenticated';
  if (role !== 'authenticated' && role !== 'anonymous') throw new UsageError(`--role "${role}": use authenticated or anonymous.`);
  const expiresIn = v['expires-in'] ?? '1h';
  try {
    parseDuration(expiresIn);
  } catch (err) {
    throw new UsageError(`--expires-in: ${(err as Error).message}`);
  }
  const key = await loadOrCreatePlaygroundKey(v.data ?? DEFAULT_DATA_DIR);
  out(await mintToken({ privateKey: key.privateJwk, kid: key.kid, alg: 'ES256', sub: v.sub, role, claims, expiresIn }));
}

export async function main(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'serve': {
        const stop = await serve(args, out);
        await new Promise<void>((resolveStop) => {
          const shutdown = () => {
            process.off('SIGINT', shutdown);
            process.off('SIGTERM', shutdown);
            stop().then(resolveStop, resolveStop);
          };
          process.on('SIGINT', shutdown);
          process.on('SIGTERM', shutdown);
        });
        return 0;
      }
      case 'mint':
        await mint(args, out);
        return 0;
      case 'lint':
        return await (await import('./lintCommand')).runLint(args);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(usage);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}". Run 'naw help' for usage.`);
    }
  } catch (err) {
    process.stderr.write(`naw: ${oneLine((err as Error).message ?? String(err))}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  // main() answers every error itself (one line on stderr), so this promise never rejects.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
