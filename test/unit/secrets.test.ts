import assert from 'node:assert/strict';
import { containsSecret, findSecrets, maskConnectionUrl, maskSecrets, SECRET_PLACEHOLDER } from '../../src/core/secrets';

const M = SECRET_PLACEHOLDER;
const JWT = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhdXRoZW50aWNhdGVkIn0.c2lnbmF0dXJlX2J5dGVzLV9f';
const UNSIGNED_JWT = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.';
const EMPTY_PAYLOAD_JWT = 'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo';
const NEON_API_KEY = 'napi_' + 'k3yundertest0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd';
const PKCS8 = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
const RSA_PEM = '-----BEGIN RSA PRIVATE KEY-----\r\nMIIEpAIBAAKCAQEA\r\n-----END RSA PRIVATE KEY-----';

/** [what, input, expected]: every kind of secret, and text that looks close but holds none. */
const CORPUS: [string, string, string][] = [
  // JWTs
  ['a JWT', `token ${JWT} rejected`, `token ${M} rejected`],
  ['a JWT in a SQL literal', `select auth.jwt_session_init('${JWT}')`, `select auth.jwt_session_init('${M}')`],
  ['a JWT right after punctuation', `{"token":"${JWT}"}`, `{"token":"${M}"}`],
  ['an unsigned JWT (empty signature)', `alg none: ${UNSIGNED_JWT} end`, `alg none: ${M} end`],
  ['a JWT with an empty payload ({})', EMPTY_PAYLOAD_JWT, M],
  ['two JWTs', `${JWT},${JWT}`, `${M},${M}`],
  // PEM private keys
  ['a PKCS#8 private key', `key: ${PKCS8} done`, `key: ${M} done`],
  ['an RSA private key with CRLF', RSA_PEM, M],
  ['an encrypted private key', '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHz\n-----END ENCRYPTED PRIVATE KEY-----', M],
  ['a private key cut off before its END line', 'got -----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG', `got ${M}`],
  // JWK private members
  [
    'an EC private JWK',
    '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}',
    `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"${M}"}`,
  ],
  [
    'an RSA private JWK (every private member)',
    '{"kty": "RSA", "n": "0vx7", "e": "AQAB", "d": "X4cT", "p": "83i-", "q": "3dfO", "dp": "G4sP", "dq": "s9lA", "qi": "GyM_"}',
    `{"kty": "RSA", "n": "0vx7", "e": "AQAB", "d": "${M}", "p": "${M}", "q": "${M}", "dp": "${M}", "dq": "${M}", "qi": "${M}"}`,
  ],
  ['a symmetric JWK', '{"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg"}', `{"kty":"oct","k":"${M}"}`],
  ['a private JWK inside a JWKS', '{"keys":[{"kid":"a","kty":"OKP","crv":"Ed25519","x":"11qY","d":"nWGx"}]}', `{"keys":[{"kid":"a","kty":"OKP","crv":"Ed25519","x":"11qY","d":"${M}"}]}`],
  // Neon API keys and bearer credentials
  ['a Neon API key', `key ${NEON_API_KEY} rejected`, `key ${M} rejected`],
  ['a bearer credential', 'Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543', `Authorization: Bearer ${M}`],
  ['a bearer JWT', `authorization: bearer ${JWT}`, `authorization: bearer ${M}`],
  ['a base64 bearer credential with padding', 'Bearer dXNlcjpwYXNzd29yZA==, retry', `Bearer ${M}, retry`],
  // Connection passwords
  ['a password in a postgresql:// URL', 'postgresql://neondb_owner:npg_AbC123xyz@ep-a-123.us-east-2.aws.neon.tech/neondb?sslmode=require', `postgresql://neondb_owner:${M}@ep-a-123.us-east-2.aws.neon.tech/neondb?sslmode=require`],
  ['a password in a postgres:// URL inside a message', 'failed to connect to postgres://app:hunter22@127.0.0.1:5432/app (retrying)', `failed to connect to postgres://app:${M}@127.0.0.1:5432/app (retrying)`],
  ['a percent-encoded password', 'postgres://app:s%40cret@localhost/app', `postgres://app:${M}@localhost/app`],
  ['a password with unescaped @, / and ?', 'postgres://app:p@ss/w?rd@db.example.com:6543/app', `postgres://app:${M}@db.example.com:6543/app`],
  ['a URL password in a SQL literal', "select dblink('postgresql://u:hunter22@db/x', 'select 1')", `select dblink('postgresql://u:${M}@db/x', 'select 1')`],
  ['password query parameters of a postgres:// URL', 'postgres://h/app?user=me&password=hunter22&sslmode=disable&PASSWORD=x', `postgres://h/app?user=me&password=${M}&sslmode=disable&PASSWORD=${M}`],
  ['an sslpassword query parameter', 'postgres://me:pw1@h/db?sslpassword=k3y', `postgres://me:${M}@h/db?sslpassword=${M}`],
  ['a password in the user info of another URL', 'GET https://admin:hunter22@api.example.com/v1 failed', `GET https://admin:${M}@api.example.com/v1 failed`],
  ['a password without a user name', 'redis://:hunter22@cache:6379/0', `redis://:${M}@cache:6379/0`],
  ['a password query parameter of another URL', 'callback https://app.example/cb?user=a&pwd=hunter22#top', `callback https://app.example/cb?user=a&pwd=${M}#top`],
  ['a ?password= query string', 'GET /login?password=hunter22 HTTP/1.1', `GET /login?password=${M} HTTP/1.1`],
  ['a quoted keyword/value password', "host=h dbname=app password='s3 cret' user=me", `host=h dbname=app password=${M} user=me`],
  ['an unquoted keyword/value password', 'host=h password=hunter22 dbname=app', `host=h password=${M} dbname=app`],
  ['a keyword/value password inside a SQL literal', "select dblink('host=x password=secret', 'select 1')", `select dblink('host=x password=${M}', 'select 1')`],
  ['an sslpassword keyword', 'sslpassword = k3y sslmode=verify-full', `sslpassword = ${M} sslmode=verify-full`],
  ['a SQL PASSWORD literal of CREATE ROLE', "create role x login password 'hunter22'", `create role x login password '${M}'`],
  ['ALTER USER … WITH PASSWORD', "ALTER USER app WITH PASSWORD 's3cret!' VALID UNTIL '2030-01-01'", `ALTER USER app WITH PASSWORD '${M}' VALID UNTIL '2030-01-01'`],
  ['ENCRYPTED PASSWORD over several lines', "CREATE ROLE app\n  LOGIN\n  ENCRYPTED PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b';", `CREATE ROLE app\n  LOGIN\n  ENCRYPTED PASSWORD '${M}';`],
  ['a PASSWORD literal with doubled quotes', "alter role app password 'it''s; a secret'", `alter role app password '${M}'`],
  ['the password of a user mapping', "create user mapping for app server remote options (user 'app', password 'hunter22')", `create user mapping for app server remote options (user 'app', password '${M}')`],
  // Not secrets
  ['dotted identifiers', 'select auth.user_id(), public.todos.owner_id from public.todos', 'select auth.user_id(), public.todos.owner_id from public.todos'],
  ['schema.table.column', 'column "schema.table.column" does not exist', 'column "schema.table.column" does not exist'],
  ['version strings', 'pg_session_jwt 0.3.1 on PostgreSQL 17.2, node v20.11.1', 'pg_session_jwt 0.3.1 on PostgreSQL 17.2, node v20.11.1'],
  ['a short base64 word', 'hint: aGVsbG8= decodes to hello', 'hint: aGVsbG8= decodes to hello'],
  ['English words that start like a JWT header', 'eyes.eyelids.eyebrows', 'eyes.eyelids.eyebrows'],
  ['a JWT-like text with only two parts', `${JWT.split('.').slice(0, 2).join('.')} ends here`, `${JWT.split('.').slice(0, 2).join('.')} ends here`],
  ['a public JWK', '{"kty":"EC","crv":"P-256","x":"f83O","y":"x_FE","kid":"k1"}', '{"kty":"EC","crv":"P-256","x":"f83O","y":"x_FE","kid":"k1"}'],
  ['"d" outside a JWK', '{"d":"2024-01-01","q":"search"}', '{"d":"2024-01-01","q":"search"}'],
  ['a short napi_ word', 'the napi_version field', 'the napi_version field'],
  ['the word Bearer in prose', 'use the Bearer authentication scheme', 'use the Bearer authentication scheme'],
  ['password in other SQL', "comment on column users.password_hash is 'the password ''x'' hashed'; select crypt('x', password_hash)", "comment on column users.password_hash is 'the password ''x'' hashed'; select crypt('x', password_hash)"],
  ['password as a word after a ROLE statement ends', "create role app; select 'reset the password' || 'x'", "create role app; select 'reset the password' || 'x'"],
  ['PASSWORD NULL and an empty PASSWORD literal', "alter role app password null; alter role app password ''", "alter role app password null; alter role app password ''"],
  ['columns named like passwords', 'select password_hash, user_password from users where password_hash = $1', 'select password_hash, user_password from users where password_hash = $1'],
  ['a URL without a password', 'postgres://me@h/db and postgresql:///db?host=/var/run/postgresql', 'postgres://me@h/db and postgresql:///db?host=/var/run/postgresql'],
  ['a URL with an empty password', 'postgres://me:@h/db', 'postgres://me:@h/db'],
  ['URLs with a port or a user but no password', 'https://api.example.com:8443/v1 and ssh://git@github.com/x.git and mailto:ops@example.com', 'https://api.example.com:8443/v1 and ssh://git@github.com/x.git and mailto:ops@example.com'],
  ['an @ in a query value', 'postgres://me@h/db?application_name=ops@example.com', 'postgres://me@h/db?application_name=ops@example.com'],
  ['a UUID and a hex digest', '7d444840-9dc0-11d1-b245-5ffdce74fad2 sha256 9f86d081884c7d659a2feaa0c55ad015', '7d444840-9dc0-11d1-b245-5ffdce74fad2 sha256 9f86d081884c7d659a2feaa0c55ad015'],
];

describe('secrets', () => {
  describe('maskSecrets: the corpus', () => {
    for (const [what, input, expected] of CORPUS) {
      it(what, () => {
        assert.equal(maskSecrets(input), expected);
        assert.equal(containsSecret(input), input !== expected);
        // Masking twice changes nothing more.
        assert.equal(maskSecrets(expected), expected);
      });
    }
  });

  describe('maskSecrets: known secrets', () => {
    it('replaces every literal occurrence of a known secret', () => {
      assert.equal(maskSecrets('the driver echoed hunter22 back: hunter22', ['hunter22']), `the driver echoed ${M} back: ${M}`);
    });

    it('replaces a secret that contains another one whole', () => {
      assert.equal(maskSecrets('pw=abcd1234 and abcd', ['abcd', 'abcd1234']), `pw=${M} and ${M}`);
    });

    it('ignores known secrets too short to tell from ordinary words', () => {
      assert.equal(maskSecrets('a pw of abc', ['', 'abc']), 'a pw of abc');
    });

    it('masks known secrets and recognised ones together', () => {
      assert.equal(maskSecrets(`hint: retry with pa55word, token ${JWT}`, ['pa55word']), `hint: retry with ${M}, token ${M}`);
      assert.equal(containsSecret('retry with pa55word', ['pa55word']), true);
    });
  });

  describe('findSecrets', () => {
    it('names each kind of secret once, in the order they are masked', () => {
      assert.deepEqual(findSecrets(`${JWT} ${JWT}`), ['jwt']);
      assert.deepEqual(findSecrets(PKCS8), ['private-key']);
      assert.deepEqual(findSecrets('{"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg"}'), ['private-key']);
      assert.deepEqual(findSecrets(`x-api-key: ${NEON_API_KEY}`), ['neon-api-key']);
      assert.deepEqual(findSecrets('Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543'), ['bearer-token']);
      assert.deepEqual(findSecrets('host=h password=hunter22'), ['connection-password']);
      assert.deepEqual(findSecrets('postgres://me:pw@h/db?sslpassword=k'), ['connection-password']);
      assert.deepEqual(
        findSecrets(`retry with pa55word: Bearer ${JWT} postgres://me:pw@h/db`, ['pa55word']),
        ['known-secret', 'jwt', 'connection-password'],
      );
    });

    it('finds nothing in the corpus texts that hold no secret', () => {
      for (const [what, input, expected] of CORPUS) if (input === expected) assert.deepEqual(findSecrets(input), [], what);
    });
  });

  describe('maskConnectionUrl', () => {
    it('masks the password and keeps the rest verbatim', () => {
      assert.equal(
        maskConnectionUrl('postgresql://neondb_owner:npg_AbC123xyz@ep-a-123-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require'),
        `postgresql://neondb_owner:${M}@ep-a-123-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require`,
      );
      assert.equal(maskConnectionUrl('postgres://me:pw@[::1]:5432/db'), `postgres://me:${M}@[::1]:5432/db`);
    });

    it('masks a keyword/value string, and secrets in other text', () => {
      assert.equal(maskConnectionUrl("host=h password='p w'"), `host=h password=${M}`);
      assert.equal(maskConnectionUrl(`not a url ${JWT}`), `not a url ${M}`);
    });

    it('leaves a URL without a password alone', () => {
      for (const url of ['postgres://me@h/db', 'postgres://h:5432/db', 'postgres://me:@h/db', 'postgresql:///db?host=/tmp']) assert.equal(maskConnectionUrl(url), url);
    });
  });
});
