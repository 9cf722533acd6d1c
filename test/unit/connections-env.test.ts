import assert from 'node:assert/strict';
import { parse as dotenvParse } from 'dotenv';
import { expandDotenvValue, findEnvConnections, parseDotenv } from '../../src/core/connections';

const OWNER = 'postgresql://neondb_owner:npg_Owner1@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require';
const AUTH = 'postgresql://authenticated:npg_Auth2@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require';

describe('parseDotenv (dotenv rules)', () => {
  it('reads quotes, export, comments, spaces and line numbers', () => {
    const text = [
      '# a comment',
      'PLAIN=value  # trailing comment',
      "export SINGLE='it''s # not a comment'",
      'DOUBLE="a # b"',
      'BACKTICK=`x "y" \'z\'`',
      '  SPACED = spaced value  ',
      'EMPTY=',
      'COLON: yaml style',
      'not a line',
      'HASHED=abc#def',
    ].join('\n');
    const entries = Object.fromEntries(parseDotenv(text).map((e) => [e.key, [e.value, e.line, e.quote]]));
    assert.deepEqual(entries, {
      PLAIN: ['value', 2, null],
      // text after the closing quote makes dotenv read the value unquoted, up to the #
      SINGLE: ["'it''s", 3, null],
      DOUBLE: ['a # b', 4, '"'],
      BACKTICK: [`x "y" 'z'`, 5, '`'],
      SPACED: ['spaced value', 6, null],
      EMPTY: ['', 7, null],
      COLON: ['yaml style', 8, null],
      HASHED: ['abc', 10, null],
    });
  });

  it('expands \\n in double quotes only, and keeps multi-line quoted values', () => {
    const text = 'KEY="line1\\nline2"\nRAW=\'line1\\nline2\'\nMULTI="first\nsecond"\nAFTER=1\r\nCRLF=2\r\n';
    const entries = Object.fromEntries(parseDotenv(text).map((e) => [e.key, [e.value, e.line]]));
    assert.deepEqual(entries, {
      KEY: ['line1\nline2', 1],
      RAW: ['line1\\nline2', 2],
      MULTI: ['first\nsecond', 3],
      AFTER: ['1', 5],
      CRLF: ['2', 6],
    });
  });

  it('lets a later definition win and keeps escaped quotes inside', () => {
    const entries = parseDotenv('A=1\nB="say \\"hi\\""\nA=2\n');
    assert.deepEqual(entries.map((e) => [e.key, e.value, e.line]), [['B', 'say \\"hi\\"', 2], ['A', '2', 3]]);
  });

  it('agrees with the dotenv package itself on generated files with tricky syntax', () => {
    // A seeded generator: the same 2000 files every run, mixing quotes, comments, escapes and line breaks.
    let seed = 20250115;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['A', '=', ' ', '\t', "'", '"', '`', '#', '\\n', '\\', '\n', 'x', ':', 'postgres://u:p@h/db', '\r\n', '$V'];
    const starts = ['A', 'B', 'export C', ' D', 'E.F', '# G'];
    const separators = ['=', ' = ', ': ', '='];
    for (let i = 0; i < 2000; i++) {
      let text = '';
      for (let line = 1 + next(4); line > 0; line--) {
        text += (starts[next(starts.length)] as string) + (separators[next(separators.length)] as string);
        for (let j = next(8); j > 0; j--) text += pieces[next(pieces.length)] as string;
        text += '\n';
      }
      const ours = Object.fromEntries(parseDotenv(text).map((e) => [e.key, e.value]));
      assert.deepEqual(ours, { ...dotenvParse(text) }, `file ${JSON.stringify(text)}`);
    }
  });

  it('expands ${VAR}, $VAR and defaults, not in single quotes, and \\$ stays literal', () => {
    const vars: Record<string, string> = { HOST: 'db.example.com', USER: 'me' };
    const lookup = (n: string): string | undefined => vars[n];
    assert.deepEqual(expandDotenvValue({ value: 'postgres://$USER@${HOST}/${DB:-app}', quote: null }, lookup), { value: 'postgres://me@db.example.com/app', unresolved: [] });
    assert.deepEqual(expandDotenvValue({ value: 'x${HOST}', quote: "'" }, lookup), { value: 'x${HOST}', unresolved: [] });
    assert.deepEqual(expandDotenvValue({ value: 'pa\\$word', quote: '"' }, lookup), { value: 'pa$word', unresolved: [] });
    assert.deepEqual(expandDotenvValue({ value: 'pa$word', quote: null }, lookup), { value: 'pa', unresolved: ['word'] });
  });
});

describe('findEnvConnections', () => {
  it('finds the Authorize guides\' owner and authenticated URLs (both variants) with their files', () => {
    const result = findEnvConnections([
      {
        path: '/ws/app/.env',
        text: `# Neon Authorize\nDATABASE_URL='${OWNER}'\n\nDATABASE_AUTHENTICATED_URL='${AUTH}'\nNEXT_PUBLIC_DATABASE_AUTHENTICATED_URL='${AUTH}'\nSTACK_SECRET_SERVER_KEY=ssk_123\n`,
      },
    ]);
    assert.equal(result.directories.length, 1);
    const dir = result.directories[0]!;
    assert.deepEqual(dir.connections.map((c) => [c.variable, c.purpose, c.public, c.line]), [
      ['DATABASE_AUTHENTICATED_URL', 'authenticated', false, 4],
      ['DATABASE_URL', 'owner', false, 2],
      ['NEXT_PUBLIC_DATABASE_AUTHENTICATED_URL', 'authenticated', true, 5],
    ]);
    assert.equal(dir.owner?.variable, 'DATABASE_URL');
    assert.equal(dir.owner?.url, OWNER);
    assert.equal(dir.authenticated?.variable, 'DATABASE_AUTHENTICATED_URL');
    assert.equal(dir.owner?.file, '/ws/app/.env');
    assert.ok(!dir.owner?.maskedUrl.includes('npg_Owner1'));
    assert.deepEqual(dir.warnings, []);
  });

  it('applies Next.js precedence: .env.development.local > .env.local > .env.development > .env', () => {
    const url = (db: string): string => `postgres://neondb_owner:pw@ep-a-1.us-east-2.aws.neon.tech/${db}`;
    const files = [
      { path: 'web/.env', text: `DATABASE_URL=${url('from_env')}\nPOSTGRES_URL=${url('pg_env')}` },
      { path: 'web/.env.development', text: `DATABASE_URL=${url('from_development')}` },
      { path: 'web/.env.local', text: `DATABASE_URL=${url('from_local')}` },
      { path: 'web/.env.development.local', text: `DATABASE_URL=${url('from_development_local')}` },
      { path: 'web/.env.production', text: `DATABASE_URL=${url('from_production')}` },
      { path: 'web/.env.example', text: 'DATABASE_URL=<DB_OWNER_CONNECTION_STRING>' },
    ];
    const dev = findEnvConnections(files).directories[0]!;
    assert.equal(dev.owner?.description.database, 'from_development_local');
    assert.equal(dev.owner?.file, 'web/.env.development.local');
    assert.deepEqual(dev.owner?.shadowed, [
      { file: 'web/.env.local', line: 1 },
      { file: 'web/.env.development', line: 1 },
      { file: 'web/.env', line: 1 },
    ]);
    assert.deepEqual(dev.loadedFiles, ['web/.env.development.local', 'web/.env.local', 'web/.env.development', 'web/.env']);
    assert.deepEqual(dev.ignoredFiles, ['web/.env.production', 'web/.env.example']);
    // the named owner variable wins over POSTGRES_URL
    assert.equal(dev.connections.find((c) => c.variable === 'POSTGRES_URL')?.purpose, 'owner');
    assert.equal(dev.owner?.variable, 'DATABASE_URL');

    const prod = findEnvConnections(files, { mode: 'production' }).directories[0]!;
    assert.equal(prod.owner?.description.database, 'from_local');
    const test = findEnvConnections(files, { mode: 'test' }).directories[0]!;
    // .env.local is not loaded in test mode
    assert.equal(test.owner?.description.database, 'from_env');
  });

  it('keeps directories apart (monorepos) and recognises common variable names', () => {
    const result = findEnvConnections([
      { path: 'C:\\ws\\api\\.env', text: `DATABASE_URL_UNPOOLED=${OWNER}\nDATABASE_ANONYMOUS_URL=postgres://anonymous@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb` },
      { path: 'C:\\ws\\web\\.env.local', text: `POSTGRES_URL=${OWNER}\nANALYTICS_DB=postgres://reader:pw@analytics.internal:6432/events\nAPP_DB=${AUTH}` },
    ]);
    assert.deepEqual(result.directories.map((d) => d.directory), ['C:\\ws\\api', 'C:\\ws\\web']);
    const [api, web] = result.directories;
    assert.equal(api?.owner?.variable, 'DATABASE_URL_UNPOOLED');
    assert.equal(api?.anonymous?.variable, 'DATABASE_ANONYMOUS_URL');
    assert.equal(web?.owner?.variable, 'POSTGRES_URL');
    assert.equal(web?.connections.find((c) => c.variable === 'ANALYTICS_DB')?.purpose, 'other');
    // an unknown name whose URL's role is `authenticated` is the authenticated connection
    assert.equal(web?.authenticated?.variable, 'APP_DB');
    assert.equal(result.connections.length, 5);
  });

  it('expands ${VAR} across files and warns about $ in unquoted passwords', () => {
    const result = findEnvConnections([
      { path: '.env', text: 'PGHOST=ep-cool-darkness-123456.us-east-2.aws.neon.tech\nPGPASSWORD=npg_Owner1\n' },
      { path: '.env.local', text: 'DATABASE_URL="postgresql://neondb_owner:${PGPASSWORD}@${PGHOST}/neondb?sslmode=require"\nDATABASE_AUTHENTICATED_URL=postgresql://authenticated:ab$cd@${PGHOST}/neondb\n' },
    ]);
    const dir = result.directories[0]!;
    assert.equal(dir.directory, '.');
    assert.equal(dir.owner?.url, 'postgresql://neondb_owner:npg_Owner1@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require');
    assert.equal(dir.authenticated?.url, 'postgresql://authenticated:ab@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb');
    const warning = dir.warnings.find((w) => w.kind === 'unresolved-variable');
    assert.ok(warning);
    assert.match(warning.message, /DATABASE_AUTHENTICATED_URL in \.env\.local \(line 2\) refers to \$cd.*write it as "\\\$"/);
    // env supplies variables no file defines
    const withEnv = findEnvConnections([{ path: '.env', text: 'DATABASE_URL=postgres://u:${SECRET}@h/db' }], { env: { SECRET: 'fromenv' } });
    assert.equal(withEnv.directories[0]?.owner?.url, 'postgres://u:fromenv@h/db');
  });

  it('warns when owner and authenticated URLs point at different hosts or databases', () => {
    const result = findEnvConnections([
      {
        path: '.env',
        text: [
          `DATABASE_URL=${OWNER}`,
          'DATABASE_AUTHENTICATED_URL=postgresql://authenticated:x@ep-other-branch-999999.us-east-2.aws.neon.tech/neondb',
          'DATABASE_ANONYMOUS_URL=postgresql://anonymous@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/otherdb',
        ].join('\n'),
      },
    ]);
    const kinds = result.warnings.map((w) => [w.kind, w.variables.join('+')]);
    assert.deepEqual(kinds, [
      ['different-database', 'DATABASE_URL+DATABASE_ANONYMOUS_URL'],
      ['different-host', 'DATABASE_URL+DATABASE_AUTHENTICATED_URL'],
    ]);
    assert.match(result.warnings[0]!.message, /uses database "neondb" but DATABASE_ANONYMOUS_URL uses "otherdb"/);
    assert.match(result.warnings[1]!.message, /DATABASE_URL points at ep-cool-darkness-123456 but DATABASE_AUTHENTICATED_URL points at ep-other-branch-999999/);
    for (const w of result.warnings) assert.ok(!/npg_|:x@/.test(w.message));
  });

  it('warns about the owner role in the authenticated URL, public owner URLs, differing variants and placeholders', () => {
    const result = findEnvConnections([
      {
        path: '.env',
        text: [
          `DATABASE_URL=${OWNER}`,
          `DATABASE_AUTHENTICATED_URL=${OWNER}`,
          `NEXT_PUBLIC_DATABASE_AUTHENTICATED_URL=${AUTH}`,
          `NEXT_PUBLIC_DATABASE_URL=${OWNER}`,
          'DATABASE_ANONYMOUS_URL=<ANONYMOUS_CONNECTION_STRING>',
          'POSTGRES_URL=',
        ].join('\n'),
      },
    ]);
    const kinds = result.warnings.map((w) => w.kind).sort();
    assert.deepEqual(kinds, ['authenticated-variants-differ', 'not-a-url', 'not-a-url', 'owner-role-in-rls-url', 'public-owner-url']);
    const byKind = (k: string): string => result.warnings.find((w) => w.kind === k)!.message;
    assert.match(byKind('owner-role-in-rls-url'), /DATABASE_AUTHENTICATED_URL connects as "neondb_owner".*bypasses row-level security/);
    assert.match(byKind('public-owner-url'), /NEXT_PUBLIC_DATABASE_URL .* shipped to the browser/);
    assert.ok(result.warnings.some((w) => w.kind === 'not-a-url' && /DATABASE_ANONYMOUS_URL .*still holds a placeholder/.test(w.message)));
    assert.ok(result.warnings.some((w) => w.kind === 'not-a-url' && /POSTGRES_URL .*is empty/.test(w.message)));
    assert.ok(!result.warnings.some((w) => w.message.includes('npg_')));
  });

  it('ignores files that are not .env files and directories without loadable files', () => {
    const result = findEnvConnections([
      { path: 'src/config.ts', text: `DATABASE_URL=${OWNER}` },
      { path: 'docs/.env.example', text: `DATABASE_URL=${OWNER}` },
    ]);
    assert.deepEqual(result.directories, []);
    assert.deepEqual(result.connections, []);
  });
});
