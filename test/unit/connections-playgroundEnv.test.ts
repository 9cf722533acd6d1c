import assert from 'node:assert/strict';
import { fillEnvVariables, wantsPlaygroundEnv, PLAYGROUND_ENV_MARKER } from '../../src/core/connections/playgroundEnv';
import { parseDotenv } from '../../src/core/connections/dotenv';

describe('playground .env', () => {
  it('is written only when the file carries the marker line', () => {
    assert.equal(wantsPlaygroundEnv(`${PLAYGROUND_ENV_MARKER}\nDATABASE_URL=`), true);
    assert.equal(wantsPlaygroundEnv('DATABASE_URL=postgres://x\n# neon-authorize: playground please'), false);
  });

  it('fills defined variables in place, keeps comments and other lines, appends the missing ones', () => {
    const text = [
      '# the todos app',
      PLAYGROUND_ENV_MARKER,
      'DATABASE_URL=',
      'export DATABASE_AUTHENTICATED_URL="old"',
      'STYTCH_PROJECT_ID=project-test-123',
      "MULTI=\"line one\nline two\"",
      '',
    ].join('\n');
    const out = fillEnvVariables(text, {
      DATABASE_URL: 'postgresql://neondb_owner:pw@127.0.0.1:4444/neondb',
      DATABASE_AUTHENTICATED_URL: 'postgresql://authenticated:pw2@127.0.0.1:4444/neondb',
      MULTI: 'one line',
      NEON_FETCH_ENDPOINT: 'http://127.0.0.1:4444/sql',
    });
    assert.equal(out, [
      '# the todos app',
      PLAYGROUND_ENV_MARKER,
      "DATABASE_URL='postgresql://neondb_owner:pw@127.0.0.1:4444/neondb'",
      "export DATABASE_AUTHENTICATED_URL='postgresql://authenticated:pw2@127.0.0.1:4444/neondb'",
      'STYTCH_PROJECT_ID=project-test-123',
      "MULTI='one line'",
      "NEON_FETCH_ENDPOINT='http://127.0.0.1:4444/sql'",
      '',
    ].join('\n'));
    const parsed = Object.fromEntries(parseDotenv(out).map((e) => [e.key, e.value]));
    assert.equal(parsed.DATABASE_URL, 'postgresql://neondb_owner:pw@127.0.0.1:4444/neondb');
    assert.equal(parsed.STYTCH_PROJECT_ID, 'project-test-123');
  });

  it('keeps CRLF line endings and is idempotent', () => {
    const text = `${PLAYGROUND_ENV_MARKER}\r\nDATABASE_URL=\r\n`;
    const once = fillEnvVariables(text, { DATABASE_URL: 'a', NEON_FETCH_ENDPOINT: 'b' });
    assert.equal(once, `${PLAYGROUND_ENV_MARKER}\r\nDATABASE_URL='a'\r\nNEON_FETCH_ENDPOINT='b'\r\n`);
    assert.equal(fillEnvVariables(once, { DATABASE_URL: 'a', NEON_FETCH_ENDPOINT: 'b' }), once);
  });
});
