import assert from 'node:assert/strict';
import {
  PROVIDERS,
  ProviderInputError,
  buildJwksUrl,
  detectProvider,
  getProvider,
  validateAudience,
  validateProviderField,
  type ProviderId,
} from '../../src/core/providers/catalog';

interface Case {
  url: string;
  provider: ProviderId;
  fields?: Record<string, string>;
  canonical?: string;
  /** A fragment each expected warning contains (in order-free fashion). */
  warn?: string[];
  supported?: boolean;
  candidates?: ProviderId[];
}

const STACK_ID = '2b0c1f7e-7d4a-4a43-9c1b-3d1f9b8f5a11';
const STYTCH_TEST = 'project-test-6c20cd16-73d5-44f7-852c-9a7e7b2ccf62';
const STYTCH_LIVE = 'project-live-6c20cd16-73d5-44f7-852c-9a7e7b2ccf62';
const FIREBASE = 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com';

const CORPUS: Case[] = [
  // Stack Auth (one of the two Authorize guides)
  {
    url: `https://api.stack-auth.com/api/v1/projects/${STACK_ID}/.well-known/jwks.json`,
    provider: 'stack-auth',
    fields: { projectId: STACK_ID },
  },
  {
    url: `https://API.Stack-Auth.com/api/v1/projects/${STACK_ID}/.well-known/jwks.json/`,
    provider: 'stack-auth',
    canonical: `https://api.stack-auth.com/api/v1/projects/${STACK_ID}/.well-known/jwks.json`,
    warn: ['normalised'],
  },
  {
    url: 'https://api.stack-auth.com/api/v1/projects/my-awesome-project/.well-known/jwks.json?foo=1',
    provider: 'stack-auth',
    fields: { projectId: 'my-awesome-project' },
    canonical: 'https://api.stack-auth.com/api/v1/projects/my-awesome-project/.well-known/jwks.json',
    warn: ['query string "?foo=1"'],
  },
  // Stytch (the other Authorize guide): test vs live, environment/project mismatch
  {
    url: `https://test.stytch.com/v1/sessions/jwks/${STYTCH_TEST}`,
    provider: 'stytch',
    fields: { environment: 'test', projectId: STYTCH_TEST },
    warn: ['test URL'],
  },
  {
    url: `https://api.stytch.com/v1/sessions/jwks/${STYTCH_LIVE}`,
    provider: 'stytch',
    fields: { environment: 'live', projectId: STYTCH_LIVE },
    warn: [],
  },
  {
    url: `https://live.stytch.com/v1/sessions/jwks/${STYTCH_LIVE}`,
    provider: 'stytch',
    canonical: `https://api.stytch.com/v1/sessions/jwks/${STYTCH_LIVE}`,
    warn: ['no live.stytch.com'],
  },
  {
    url: `https://test.stytch.com/v1/sessions/jwks/${STYTCH_LIVE}`,
    provider: 'stytch',
    warn: ['live project but the environment is test', 'test URL'],
  },
  {
    url: 'http://test.stytch.com/v1/sessions/jwks/my-awesome-project',
    provider: 'stytch',
    canonical: 'https://test.stytch.com/v1/sessions/jwks/my-awesome-project',
    warn: ['changed to https', 'test URL'],
  },
  // Clerk
  { url: 'https://clerk.example.com/.well-known/jwks.json', provider: 'clerk', fields: { domain: 'clerk.example.com' } },
  {
    url: 'https://happy-otter-12.clerk.accounts.dev/.well-known/jwks.json',
    provider: 'clerk',
    fields: { domain: 'happy-otter-12.clerk.accounts.dev' },
  },
  // Auth0
  { url: 'https://my-tenant.us.auth0.com/.well-known/jwks.json', provider: 'auth0', fields: { domain: 'my-tenant.us.auth0.com' } },
  { url: 'https://dev-abc123.auth0.com/.well-known/jwks.json', provider: 'auth0', fields: { domain: 'dev-abc123.auth0.com' } },
  // Firebase: the shared URL, audience required; also the PEM variant and a %40-encoded one
  { url: FIREBASE, provider: 'firebase', fields: {}, warn: ['Required'] },
  {
    url: 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken%40system.gserviceaccount.com',
    provider: 'firebase',
    canonical: FIREBASE,
  },
  {
    url: 'https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com',
    provider: 'firebase',
    canonical: FIREBASE,
    warn: ['X.509'],
  },
  // Google
  { url: 'https://www.googleapis.com/oauth2/v3/certs', provider: 'google', fields: {}, warn: ['Required'] },
  {
    url: 'https://www.googleapis.com/oauth2/v1/certs',
    provider: 'google',
    canonical: 'https://www.googleapis.com/oauth2/v3/certs',
    warn: ['PEM'],
  },
  // Keycloak: old /auth prefix, new without, with port
  {
    url: 'https://sso.example.com/auth/realms/acme/protocol/openid-connect/certs',
    provider: 'keycloak',
    fields: { host: 'sso.example.com', pathPrefix: '/auth', realm: 'acme' },
  },
  {
    url: 'https://keycloak.example.org/realms/my-realm/protocol/openid-connect/certs',
    provider: 'keycloak',
    fields: { host: 'keycloak.example.org', pathPrefix: '', realm: 'my-realm' },
  },
  {
    url: 'https://kc.example.net:8443/realms/dev/protocol/openid-connect/certs',
    provider: 'keycloak',
    fields: { host: 'kc.example.net:8443', pathPrefix: '', realm: 'dev' },
  },
  // Cognito: several regions, a region mismatch
  {
    url: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json',
    provider: 'cognito',
    fields: { region: 'us-east-1', userPoolId: 'us-east-1_AbCdEf123' },
  },
  {
    url: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Zz9Yy8Xx7/.well-known/jwks.json',
    provider: 'cognito',
    fields: { region: 'eu-central-1', userPoolId: 'eu-central-1_Zz9Yy8Xx7' },
  },
  {
    url: 'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Q1w2E3r4T/.well-known/jwks.json',
    provider: 'cognito',
    fields: { region: 'us-gov-west-1', userPoolId: 'us-gov-west-1_Q1w2E3r4T' },
  },
  {
    url: 'https://cognito-idp.ap-southeast-2.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json',
    provider: 'cognito',
    warn: ['belongs to region us-east-1'],
  },
  // Entra: GUID, domain, common (shared keys), v1 endpoint, appid query kept
  {
    url: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys',
    provider: 'entra',
    fields: { tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
  },
  {
    url: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys',
    provider: 'entra',
    fields: { tenant: 'contoso.onmicrosoft.com' },
  },
  { url: 'https://login.microsoftonline.com/common/discovery/v2.0/keys', provider: 'entra', warn: ['set an audience'] },
  {
    url: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/keys',
    provider: 'entra',
    canonical: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys',
    warn: ['v1.0 keys endpoint'],
  },
  {
    url: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys?appid=6731de76-14a6-49ae-97bc-6eba6914391e',
    provider: 'entra',
    canonical:
      'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys?appid=6731de76-14a6-49ae-97bc-6eba6914391e',
    warn: [],
  },
  // Descope, PropelAuth, SuperTokens, WorkOS
  {
    url: 'https://api.descope.com/P2abcDEF3ghiJKL4mnoPQR5stuVWX/.well-known/jwks.json',
    provider: 'descope',
    fields: { projectId: 'P2abcDEF3ghiJKL4mnoPQR5stuVWX' },
  },
  {
    url: 'https://123456789.propelauthtest.com/.well-known/jwks.json',
    provider: 'propelauth',
    fields: { domain: '123456789.propelauthtest.com' },
  },
  {
    url: 'https://st-dev-1234abcd.aws.supertokens.io/.well-known/jwks.json',
    provider: 'supertokens',
    fields: { coreUri: 'https://st-dev-1234abcd.aws.supertokens.io' },
  },
  {
    url: 'https://api.workos.com/sso/jwks/client_01HXYZABCDEF0123456789ABCD',
    provider: 'workos',
    fields: { clientId: 'client_01HXYZABCDEF0123456789ABCD' },
  },
  // Supabase: detected, not supported
  {
    url: 'https://abcdefghijklmnopqrst.supabase.co/auth/v1/.well-known/jwks.json',
    provider: 'supabase',
    supported: false,
    warn: ['symmetric'],
  },
  // Custom fallbacks
  {
    url: 'https://auth.example.com/.well-known/jwks.json',
    provider: 'custom',
    candidates: ['clerk', 'auth0', 'propelauth', 'supertokens'],
    warn: [],
  },
  { url: 'http://auth.example.com/jwks', provider: 'custom', warn: ['uses http'] },
  { url: 'https://auth.example.com/login', provider: 'custom', warn: ['does not look like a JWKS'] },
  {
    url: 'https://auth.example.com/.well-known/openid-configuration',
    provider: 'custom',
    warn: ['jwks_uri'],
  },
  { url: 'http://127.0.0.1:8080/jwks.json', provider: 'custom', warn: ['uses http', 'local address'] },
  {
    url: 'auth.example.com/oauth/certs',
    provider: 'custom',
    canonical: 'https://auth.example.com/oauth/certs',
    warn: ['no scheme'],
  },
];

describe('provider catalog: detectProvider over a URL corpus', () => {
  it('has at least 25 URLs', () => {
    assert.ok(CORPUS.length >= 25, `corpus has ${CORPUS.length} URLs`);
  });

  for (const c of CORPUS) {
    it(`${c.url} → ${c.provider}`, () => {
      const d = detectProvider(c.url);
      assert.ok(d, 'detected');
      assert.equal(d.providerId, c.provider);
      if (c.fields) assert.deepEqual(pick(d.fields, Object.keys(c.fields)), c.fields);
      if (c.canonical) assert.equal(d.jwksUrl, c.canonical);
      assert.equal(d.supported, c.supported ?? true);
      if (c.candidates) assert.deepEqual(d.candidates, c.candidates);
      if (c.warn) {
        for (const fragment of c.warn) {
          assert.ok(
            d.warnings.some((w) => w.includes(fragment)),
            `expected a warning containing "${fragment}", got ${JSON.stringify(d.warnings)}`,
          );
        }
        if (c.warn.length === 0 && c.provider !== 'firebase' && c.provider !== 'google') {
          assert.deepEqual(d.warnings, [], 'no warnings');
        }
      }
      // A detected known provider's fields rebuild the canonical URL (the round trip the UI relies on).
      if (d.providerId !== 'custom' && d.supported && !d.warnings.some((w) => w.includes('belongs to region'))) {
        const rebuilt = buildJwksUrl(d.providerId, d.fields);
        assert.equal(d.jwksUrl.startsWith(rebuilt), true, `${rebuilt} vs ${d.jwksUrl}`);
      }
    });
  }

  it('returns undefined for text that is not a URL', () => {
    assert.equal(detectProvider(''), undefined);
    assert.equal(detectProvider('   '), undefined);
    assert.equal(detectProvider('not a url'), undefined);
    assert.equal(detectProvider('ftp://example.com/jwks.json'), undefined);
    assert.equal(detectProvider('https://'), undefined);
  });

  it('canonical URLs of exact pastes come back unchanged and without a normalisation note', () => {
    const url = `https://api.stack-auth.com/api/v1/projects/${STACK_ID}/.well-known/jwks.json`;
    const d = detectProvider(`  ${url}\n`);
    assert.equal(d?.jwksUrl, url);
    assert.deepEqual(d?.warnings, []);
  });
});

describe('provider catalog: buildJwksUrl', () => {
  it('builds the Authorize guides\' Stack Auth and Stytch URLs', () => {
    assert.equal(
      buildJwksUrl('stack-auth', { projectId: 'my-awesome-project' }),
      'https://api.stack-auth.com/api/v1/projects/my-awesome-project/.well-known/jwks.json',
    );
    assert.equal(
      buildJwksUrl('stytch', { projectId: 'my-awesome-project' }),
      'https://test.stytch.com/v1/sessions/jwks/my-awesome-project',
      'environment defaults to test',
    );
    assert.equal(
      buildJwksUrl('stytch', { environment: 'live', projectId: STYTCH_LIVE }),
      `https://api.stytch.com/v1/sessions/jwks/${STYTCH_LIVE}`,
    );
  });

  it('cleans pasted domains (scheme, trailing slash, upper case)', () => {
    assert.equal(buildJwksUrl('auth0', { domain: ' https://My-Tenant.US.auth0.com/ ' }), 'https://my-tenant.us.auth0.com/.well-known/jwks.json');
    assert.equal(
      buildJwksUrl('keycloak', { host: 'sso.example.com', pathPrefix: 'auth/', realm: 'acme' }),
      'https://sso.example.com/auth/realms/acme/protocol/openid-connect/certs',
    );
    assert.equal(
      buildJwksUrl('supertokens', { coreUri: 'https://st-dev-1.aws.supertokens.io/' }),
      'https://st-dev-1.aws.supertokens.io/.well-known/jwks.json',
    );
  });

  it('builds fixed URLs without fields', () => {
    assert.equal(buildJwksUrl('firebase', {}), FIREBASE);
    assert.equal(buildJwksUrl('google', {}), 'https://www.googleapis.com/oauth2/v3/certs');
  });

  it('lists every bad field in one clear error', () => {
    const err = catchError(() => buildJwksUrl('cognito', { region: 'US East', userPoolId: '' }));
    assert.ok(err instanceof ProviderInputError);
    assert.deepEqual(
      err.problems.map((p) => p.field),
      ['region', 'userPoolId'],
    );
    assert.match(err.message, /AWS region "US East" is not valid: expected an AWS region such as us-east-1/);
    assert.match(err.message, /User pool ID is required/);
  });

  it('refuses a Cognito pool from another region', () => {
    const err = catchError(() => buildJwksUrl('cognito', { region: 'eu-west-1', userPoolId: 'us-east-1_Abc' }));
    assert.ok(err instanceof ProviderInputError);
    assert.match(err.message, /belongs to region us-east-1, not eu-west-1: use region us-east-1/);
  });

  it('refuses bad values per provider', () => {
    assert.throws(() => buildJwksUrl('stytch', { environment: 'prod', projectId: 'x' }), /"test" or "live"/);
    assert.throws(() => buildJwksUrl('auth0', { domain: 'my tenant' }), /host name/);
    assert.throws(() => buildJwksUrl('workos', { clientId: 'abc' }), /client_/);
    assert.throws(() => buildJwksUrl('stack-auth', { projectId: 'a/b' }), /letters, digits/);
    assert.throws(() => buildJwksUrl('entra', { tenant: 'not a tenant' }), /tenant ID/);
    assert.throws(() => buildJwksUrl('custom', { url: 'example.com/jwks' }), /full https/);
  });

  it('refuses Supabase and says why', () => {
    assert.throws(() => buildJwksUrl('supabase', { projectRef: 'abc' }), /not supported.*shared secret/);
  });

  it('validates one field for input boxes', () => {
    assert.equal(validateProviderField('stytch', 'projectId', STYTCH_TEST), undefined);
    assert.match(validateProviderField('stytch', 'projectId', '') ?? '', /required/);
    assert.equal(validateProviderField('keycloak', 'pathPrefix', ''), undefined, 'optional field');
    assert.match(validateProviderField('stytch', 'nope', 'x') ?? '', /no field/);
  });
});

describe('provider catalog: entries and audience', () => {
  it('starts with the Authorize guides\' providers (Stack Auth, Stytch) and every template names its fields', () => {
    assert.deepEqual(
      PROVIDERS.slice(0, 2).map((p) => p.id),
      ['stack-auth', 'stytch'],
    );
    for (const p of PROVIDERS) {
      const placeholders = [...p.jwksUrlTemplate.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      assert.deepEqual(placeholders.sort(), p.fields.map((f) => f.name).sort(), p.id);
      assert.ok(p.audienceExplanation.length > 0);
    }
  });

  it('requires an audience where the key set is shared', () => {
    assert.equal(getProvider('firebase').audience, 'required');
    assert.equal(getProvider('google').audience, 'required');
    assert.match(validateAudience('firebase', '') ?? '', /needs an audience \(Firebase project ID\)/);
    assert.equal(validateAudience('firebase', 'my-app-1234'), undefined);
    assert.match(validateAudience('google', 'my-app') ?? '', /apps\.googleusercontent\.com/);
    assert.equal(validateAudience('google', '123-abc.apps.googleusercontent.com'), undefined);
    assert.equal(validateAudience('stytch', ''), undefined);
    assert.match(validateAudience('auth0', 'a b') ?? '', /spaces/);
  });

  it('carries the notes users need', () => {
    assert.match(getProvider('stytch').notes.join(' '), /production/);
    assert.match(getProvider('auth0').notes.join(' '), /jwk not found/);
    assert.match(getProvider('keycloak').notes.join(' '), /one algorithm/);
    assert.equal(getProvider('supabase').supported, false);
  });
});

function pick(obj: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, obj[k]!]));
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}
