import assert from 'node:assert/strict';
import {
  assertNoSecretsInSettings,
  describeConnection,
  findSecretsInSettings,
  InvalidConnectionUrlError,
  isConnectionUrl,
  joinConnectionSecret,
  maskConnectionUrl,
  SecretInSettingsError,
  splitConnectionSecret,
} from '../../src/core/connections';
import { findSecrets, maskSecrets } from '../../src/core/secrets';

const NEON_OWNER =
  'postgresql://neondb_owner:npg_AbC123xyz@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require';
const NEON_POOLED = 'postgres://authenticated:npg_Pool999@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require';

describe('maskConnectionUrl', () => {
  it('masks the password and keeps the rest verbatim', () => {
    assert.equal(
      maskConnectionUrl(NEON_OWNER),
      'postgresql://neondb_owner:****@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
    );
  });

  it('masks passwords holding unescaped @, / and ? characters', () => {
    assert.equal(maskConnectionUrl('postgres://app:p@ss/w?rd@db.example.com:6543/app'), 'postgres://app:****@db.example.com:6543/app');
    assert.equal(maskConnectionUrl('postgres://app:s%40cret@localhost/app'), 'postgres://app:****@localhost/app');
  });

  it('masks password query parameters, whatever their case', () => {
    assert.equal(
      maskConnectionUrl('postgres://localhost/app?user=me&password=hunter22&sslmode=disable&PASSWORD=x'),
      'postgres://localhost/app?user=me&password=****&sslmode=disable&PASSWORD=****',
    );
    assert.equal(maskConnectionUrl('postgres://me:pw1@h/db?sslpassword=k3y'), 'postgres://me:****@h/db?sslpassword=****');
  });

  it('keeps an @ in a query value out of the user info', () => {
    assert.equal(
      maskConnectionUrl('postgres://me:secret@h/db?application_name=ops@example.com'),
      'postgres://me:****@h/db?application_name=ops@example.com',
    );
  });

  it('leaves URLs without a password alone', () => {
    for (const url of ['postgres://me@h/db', 'postgres://h:5432/db', 'postgresql:///db?host=/var/run/postgresql', 'postgres://me:@h/db']) {
      assert.equal(maskConnectionUrl(url), url);
    }
  });

  it('masks keyword/value strings and URLs inside free text', () => {
    assert.equal(maskConnectionUrl("host=h dbname=app password='s3 cret' user=me"), 'host=h dbname=app password=**** user=me');
    assert.equal(
      maskSecrets(`failed to connect to ${NEON_POOLED} (retrying)`),
      'failed to connect to postgres://authenticated:****@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require (retrying)',
    );
    assert.equal(maskSecrets('the driver echoed hunter22 back', ['hunter22']), 'the driver echoed **** back');
  });
});

describe('describeConnection', () => {
  it('describes a Neon direct URL', () => {
    const d = describeConnection(NEON_OWNER);
    assert.deepEqual(
      { host: d.host, port: d.port, database: d.database, role: d.role, isNeon: d.isNeon, pooled: d.pooled, endpointId: d.endpointId, sslmode: d.sslmode, hasPassword: d.hasPassword },
      { host: 'ep-cool-darkness-123456.us-east-2.aws.neon.tech', port: 5432, database: 'neondb', role: 'neondb_owner', isNeon: true, pooled: false, endpointId: 'ep-cool-darkness-123456', sslmode: 'require', hasPassword: true },
    );
    assert.equal(d.label, 'neondb_owner@ep-cool-darkness-123456/neondb');
    assert.ok(!d.maskedUrl.includes('npg_AbC123xyz'));
    assert.ok(!d.label.includes('npg_'));
  });

  it('recognises the pooler and neon.build hosts', () => {
    const pooled = describeConnection(NEON_POOLED);
    assert.equal(pooled.pooled, true);
    assert.equal(pooled.endpointId, 'ep-cool-darkness-123456');
    assert.equal(pooled.label, 'authenticated@ep-cool-darkness-123456/neondb (pooled)');
    assert.equal(describeConnection('postgres://u:p@ep-x-1.eu-central-1.aws.neon.build/db').isNeon, true);
    assert.equal(describeConnection('postgres://u:p@neon.tech.evil.example/db').isNeon, false);
    assert.equal(describeConnection('postgres://u:p@db.example.com/db').pooled, false);
  });

  it('describes a local server and fills libpq defaults', () => {
    const local = describeConnection('postgres://postgres:pw@127.0.0.1:54329/postgres');
    assert.equal(local.isLocal, true);
    assert.equal(local.isNeon, false);
    assert.equal(local.label, 'postgres@127.0.0.1:54329/postgres');
    const defaults = describeConnection('postgresql://alice@db.internal');
    assert.equal(defaults.port, 5432);
    assert.equal(defaults.database, 'alice');
    assert.equal(defaults.hasPassword, false);
    const viaQuery = describeConnection('postgresql:///shop?host=localhost&port=6000&user=bob&password=x');
    assert.deepEqual([viaQuery.host, viaQuery.port, viaQuery.role, viaQuery.database, viaQuery.hasPassword], ['localhost', 6000, 'bob', 'shop', true]);
    assert.equal(describeConnection('postgres://u@[::1]:5433/db').host, '::1');
    assert.equal(describeConnection('postgres://u@[::1]:5433/db').port, 5433);
  });

  it('decodes percent-encoded names and reads the endpoint option', () => {
    const d = describeConnection('postgres://my%20role:pw@proxy.example.com/my%2Fdb?options=endpoint%3Dep-quiet-lake-42');
    assert.equal(d.role, 'my role');
    assert.equal(d.database, 'my/db');
    assert.equal(d.endpointId, 'ep-quiet-lake-42');
  });

  it('refuses text that is not a postgres URL, without echoing it', () => {
    assert.throws(() => describeConnection('mysql://root:topsecret@h/db'), (err: unknown) => {
      assert.ok(err instanceof InvalidConnectionUrlError);
      assert.ok(!err.message.includes('topsecret'));
      assert.match(err.message, /must start with postgres:\/\/ or postgresql:\/\//);
      return true;
    });
    assert.equal(isConnectionUrl('<DB_OWNER_CONNECTION_STRING>'), false);
    assert.equal(isConnectionUrl(NEON_OWNER), true);
  });
});

describe('splitConnectionSecret / joinConnectionSecret', () => {
  it('moves the password out and back in', () => {
    const { url, password } = splitConnectionSecret(NEON_OWNER);
    assert.equal(url, 'postgresql://neondb_owner@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require');
    assert.equal(password, 'npg_AbC123xyz');
    assert.equal(joinConnectionSecret(url, password), NEON_OWNER);
  });

  it('handles query passwords and encodes special characters', () => {
    assert.deepEqual(splitConnectionSecret('postgres://me@h/db?password=a%26b&sslmode=require'), { url: 'postgres://me@h/db?sslmode=require', password: 'a&b' });
    assert.deepEqual(splitConnectionSecret('postgres://me@h/db?password=x'), { url: 'postgres://me@h/db', password: 'x' });
    assert.deepEqual(splitConnectionSecret('postgres://me@h/db'), { url: 'postgres://me@h/db' });
    const joined = joinConnectionSecret('postgres://me@h/db', 'p@ss:/word');
    assert.equal(joined, 'postgres://me:p%40ss%3A%2Fword@h/db');
    assert.equal(splitConnectionSecret(joined).password, 'p@ss:/word');
    assert.throws(() => joinConnectionSecret('postgres://h/db', 'x'), InvalidConnectionUrlError);
  });

  it('moves every secret query parameter out and back in', () => {
    const url = 'postgres://me:pw@h/db?sslmode=verify-full&SSLPassword=k%26ey&application_name=app&passwd=p2';
    const split = splitConnectionSecret(url);
    assert.deepEqual(split, { url: 'postgres://me@h/db?sslmode=verify-full&application_name=app', password: 'pw', secretParams: ['SSLPassword=k%26ey', 'passwd=p2'] });
    assert.deepEqual(findSecrets(split.url), [], 'what stays in settings holds no secret');
    assert.equal(joinConnectionSecret(split.url, split.password, split.secretParams), 'postgres://me:pw@h/db?sslmode=verify-full&application_name=app&SSLPassword=k%26ey&passwd=p2');
    const onlyKeyPassword = splitConnectionSecret('postgres://me@h/db?sslpassword=k');
    assert.deepEqual(onlyKeyPassword, { url: 'postgres://me@h/db', secretParams: ['sslpassword=k'] });
    assert.equal(joinConnectionSecret(onlyKeyPassword.url, undefined, onlyKeyPassword.secretParams), 'postgres://me@h/db?sslpassword=k');
  });
});

describe('assertNoSecretsInSettings', () => {
  it('accepts settings without secrets', () => {
    const settings = {
      'neonAuthorize.connection': { kind: 'neon', projectId: 'shiny-wind-028834', branchId: 'br-aged-salad-637688', url: 'postgresql://neondb_owner@ep-x.us-east-2.aws.neon.tech/neondb?sslmode=require' },
      'neonAuthorize.playground.port': 5433,
      'neonAuthorize.tokenLifetimeSeconds': 3600,
      'neonAuthorize.providers': [{ name: 'Stack Auth', jwksUrl: 'https://api.stack-auth.com/api/v1/projects/p/.well-known/jwks.json' }],
      'neonAuthorize.apiKeySource': 'secretStorage',
      'neonAuthorize.password': '',
      'neonAuthorize.publicJwk': { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def', kid: 'k1' },
    };
    assert.deepEqual(findSecretsInSettings(settings), []);
    assert.doesNotThrow(() => assertNoSecretsInSettings(settings));
  });

  it('finds URL passwords, API keys, tokens, private keys and secret-named values, by path', () => {
    const settings = {
      neonAuthorize: {
        connections: [{ url: 'postgres://owner@h/db' }, { url: 'postgres://owner:hunter22@h/db' }],
        neonApiKey: 'abcdef0123456789',
        note: 'napi_0123456789abcdefghijklmnop',
        lastToken: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl',
        signingKey: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'private' },
        pem: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
        dsn: 'host=h user=u password=hunter22',
        stripe_secret: 'sk_test_123',
      },
    };
    const findings = findSecretsInSettings(settings);
    assert.deepEqual(findings, [
      { path: 'neonAuthorize.connections[1].url', kind: 'url-password' },
      { path: 'neonAuthorize.neonApiKey', kind: 'secret-named-setting' },
      { path: 'neonAuthorize.note', kind: 'neon-api-key' },
      { path: 'neonAuthorize.lastToken', kind: 'jwt' },
      { path: 'neonAuthorize.signingKey', kind: 'private-key' },
      { path: 'neonAuthorize.pem', kind: 'private-key' },
      { path: 'neonAuthorize.dsn', kind: 'url-password' },
      { path: 'neonAuthorize.stripe_secret', kind: 'secret-named-setting' },
    ]);
  });

  it('throws naming the settings, never the values', () => {
    assert.throws(
      () => assertNoSecretsInSettings('postgres://owner:hunter22@h/db', 'neonAuthorize.ownerUrl'),
      (err: unknown) => {
        assert.ok(err instanceof SecretInSettingsError);
        assert.match(err.message, /^Refusing to write settings: neonAuthorize\.ownerUrl \(a connection URL with a password\)\. .*SecretStorage/);
        assert.ok(!err.message.includes('hunter22'));
        return true;
      },
    );
    assert.throws(() => assertNoSecretsInSettings('napi_xyz0123456789abcdefgh', 'neonAuthorize.apiKey'), SecretInSettingsError);
    assert.throws(() => assertNoSecretsInSettings({ apiKey: 'whatever-format' }), /apiKey \(a secret-named setting with a value\)/);
  });
});
