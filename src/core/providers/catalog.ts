// The authentication providers Neon documents for Authorize (docs/providers.md), with the JWKS URL each one
// serves, the fields a user fills to build it, and what Neon needs to know about the audience.
// Pure data + functions: used by the "Add Authentication Provider" command and by the URL detector.

import { isLoopbackHost } from '../sql/loopback';

export type ProviderId =
  | 'stack-auth'
  | 'stytch'
  | 'clerk'
  | 'auth0'
  | 'firebase'
  | 'google'
  | 'keycloak'
  | 'cognito'
  | 'entra'
  | 'descope'
  | 'propelauth'
  | 'supertokens'
  | 'workos'
  | 'supabase'
  | 'custom';

/** How a field's value is cleaned before validation: domains lose a pasted scheme and trailing slash. */
export type ProviderFieldKind = 'identifier' | 'domain' | 'choice' | 'uri' | 'path';

export interface ProviderField {
  readonly name: string;
  readonly label: string;
  readonly placeholder: string;
  readonly kind: ProviderFieldKind;
  /** Tested against the cleaned value. */
  readonly pattern: RegExp;
  /** Said to the user when the pattern does not match. */
  readonly patternHint: string;
  readonly required: boolean;
  readonly choices?: readonly string[];
  readonly defaultValue?: string;
}

export type AudienceRequirement = 'required' | 'optional' | 'none';

export interface ProviderEntry {
  readonly id: ProviderId;
  readonly name: string;
  /** Display form of the URL with `{field}` placeholders. */
  readonly jwksUrlTemplate: string;
  readonly fields: readonly ProviderField[];
  readonly audience: AudienceRequirement;
  readonly audienceExplanation: string;
  readonly audienceLabel?: string;
  readonly audiencePlaceholder?: string;
  readonly notes: readonly string[];
  /** False for providers Neon cannot verify (Supabase's shared-secret tokens). */
  readonly supported: boolean;
  readonly docsUrl?: string;
}

const DOMAIN = /^(?=.{1,253}(:\d{1,5})?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9](:\d{1,5})?$/;
const DOMAIN_HINT = 'a host name such as auth.example.com (no https://, no path)';
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

const domainField = (label: string, placeholder: string): ProviderField => ({
  name: 'domain',
  label,
  placeholder,
  kind: 'domain',
  pattern: DOMAIN,
  patternHint: DOMAIN_HINT,
  required: true,
});

const AUDIENCE_NOT_NEEDED_PER_PROJECT =
  'Not needed: the JWKS URL is specific to your project, so only your project\'s tokens verify against it. Set one only if you also want Neon to check the `aud` claim.';

export const PROVIDERS: readonly ProviderEntry[] = [
  {
    id: 'stack-auth',
    name: 'Stack Auth',
    jwksUrlTemplate: 'https://api.stack-auth.com/api/v1/projects/{projectId}/.well-known/jwks.json',
    fields: [
      {
        name: 'projectId',
        label: 'Stack Auth project ID',
        placeholder: 'e.g. 2b0c1f7e-7d4a-4a43-9c1b-3d1f9b8f5a11 (Stack Auth dashboard → Project settings)',
        kind: 'identifier',
        pattern: SLUG,
        patternHint: 'letters, digits, "-" and "_" only (Stack Auth project IDs are UUIDs)',
        required: true,
      },
    ],
    audience: 'none',
    audienceExplanation: AUDIENCE_NOT_NEEDED_PER_PROJECT,
    notes: ['The JWKS URL is per project: use the ID of the project your app signs users in with.'],
    supported: true,
    docsUrl: 'https://neon.com/docs/guides/neon-authorize-stack-auth',
  },
  {
    id: 'stytch',
    name: 'Stytch',
    jwksUrlTemplate: 'https://{environment}.stytch.com/v1/sessions/jwks/{projectId}',
    fields: [
      {
        name: 'environment',
        label: 'Stytch environment',
        placeholder: 'test (until you go to production) or live',
        kind: 'choice',
        pattern: /^(test|live)$/,
        patternHint: '"test" or "live"',
        required: true,
        choices: ['test', 'live'],
        defaultValue: 'test',
      },
      {
        name: 'projectId',
        label: 'Stytch project ID',
        placeholder: 'e.g. project-test-6c20cd16-73d5-44f7-852c-9a7e7b2ccf62',
        kind: 'identifier',
        pattern: SLUG,
        patternHint: 'letters, digits, "-" and "_" only (Stytch project IDs look like project-test-<uuid>)',
        required: true,
      },
    ],
    audience: 'none',
    audienceExplanation: AUDIENCE_NOT_NEEDED_PER_PROJECT,
    notes: [
      'The test URL (test.stytch.com) serves your test project\'s keys: switch to the live URL (api.stytch.com) and the live project ID when you go to production.',
      'Stytch rotates keys about every 6 months and serves both keys for a month: nothing to do on the Neon side.',
    ],
    supported: true,
    docsUrl: 'https://neon.com/docs/guides/neon-authorize-stytch',
  },
  {
    id: 'clerk',
    name: 'Clerk',
    jwksUrlTemplate: 'https://{domain}/.well-known/jwks.json',
    fields: [domainField('Clerk Frontend API domain', 'e.g. clerk.example.com or your-app-12.clerk.accounts.dev')],
    audience: 'none',
    audienceExplanation:
      'Not needed: each Clerk instance has its own keys. Clerk session tokens carry no `aud` unless you add one in a JWT template.',
    notes: ['Development instances use *.clerk.accounts.dev; production instances use clerk.<your domain>.'],
    supported: true,
  },
  {
    id: 'auth0',
    name: 'Auth0',
    jwksUrlTemplate: 'https://{domain}/.well-known/jwks.json',
    fields: [domainField('Auth0 tenant domain', 'e.g. my-tenant.us.auth0.com')],
    audience: 'optional',
    audienceExplanation:
      'Recommended: all APIs of a tenant share its keys. Set the audience to your API identifier so Neon refuses tokens minted for your other APIs.',
    audienceLabel: 'Auth0 API identifier',
    audiencePlaceholder: 'e.g. https://api.example.com',
    notes: [
      'Very old Auth0 tenants can make Neon answer `jwk not found`: rotate the tenant\'s signing key (Dashboard → Settings → Signing Keys) so tokens carry a `kid` that is in the key set.',
      'With a custom domain, use the custom domain here: it is where your tokens\' keys are served.',
    ],
    supported: true,
  },
  {
    id: 'firebase',
    name: 'Firebase / GCP Identity Platform',
    jwksUrlTemplate: 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com',
    fields: [],
    audience: 'required',
    audienceExplanation:
      'Required: this key set is shared by every Firebase project, so without an audience any Firebase user of any project would be accepted. Use your Firebase project ID.',
    audienceLabel: 'Firebase project ID',
    audiencePlaceholder: 'e.g. my-app-1234',
    notes: ['The URL is the same for everyone; the audience (your project ID) is what ties it to your project.'],
    supported: true,
  },
  {
    id: 'google',
    name: 'Google Identity',
    jwksUrlTemplate: 'https://www.googleapis.com/oauth2/v3/certs',
    fields: [],
    audience: 'required',
    audienceExplanation:
      'Required: every Google ID token is signed with these keys, so without an audience any Google account signed in to any app would be accepted. Use your OAuth client ID.',
    audienceLabel: 'Google OAuth client ID',
    audiencePlaceholder: 'e.g. 1234567890-abc123.apps.googleusercontent.com',
    notes: ['Use the v3 URL: /oauth2/v1/certs serves PEM certificates, not a JWKS.'],
    supported: true,
  },
  {
    id: 'keycloak',
    name: 'Keycloak',
    jwksUrlTemplate: 'https://{host}{pathPrefix}/realms/{realm}/protocol/openid-connect/certs',
    fields: [
      {
        name: 'host',
        label: 'Keycloak host',
        placeholder: 'e.g. keycloak.example.com',
        kind: 'domain',
        pattern: DOMAIN,
        patternHint: DOMAIN_HINT,
        required: true,
      },
      {
        name: 'pathPrefix',
        label: 'Path prefix (Keycloak before 17: /auth; newer: empty)',
        placeholder: '/auth or empty',
        kind: 'path',
        pattern: /^(\/[A-Za-z0-9._~-]+)*$/,
        patternHint: 'empty, or a path such as /auth',
        required: false,
        defaultValue: '',
      },
      {
        name: 'realm',
        label: 'Realm',
        placeholder: 'e.g. my-realm',
        kind: 'identifier',
        pattern: /^[A-Za-z0-9._~-]+$/,
        patternHint: 'a realm name without "/" or spaces',
        required: true,
      },
    ],
    audience: 'optional',
    audienceExplanation:
      'May be needed: all clients of a realm share its keys. Set the audience to your client ID (add an audience mapper in Keycloak if the token lacks it) to refuse tokens of other clients.',
    audienceLabel: 'Keycloak client ID',
    audiencePlaceholder: 'e.g. my-app',
    notes: [
      'Keycloak signs a realm\'s tokens with one algorithm: keep the realm default RS256 (or use ES256); Neon rejects PS256, EdDSA and HS256 tokens.',
      'The key set may also list an encryption key (`use: enc`): Neon skips it.',
    ],
    supported: true,
  },
  {
    id: 'cognito',
    name: 'AWS Cognito',
    jwksUrlTemplate: 'https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/jwks.json',
    fields: [
      {
        name: 'region',
        label: 'AWS region',
        placeholder: 'e.g. us-east-1',
        kind: 'identifier',
        pattern: AWS_REGION,
        patternHint: 'an AWS region such as us-east-1 or eu-west-2',
        required: true,
      },
      {
        name: 'userPoolId',
        label: 'User pool ID',
        placeholder: 'e.g. us-east-1_AbCdEf123',
        kind: 'identifier',
        pattern: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d_[A-Za-z0-9]+$/,
        patternHint: '<region>_<id>, e.g. us-east-1_AbCdEf123',
        required: true,
      },
    ],
    audience: 'optional',
    audienceExplanation:
      'Optional: Cognito ID tokens carry `aud` = the app client ID, but access tokens carry no `aud` at all. Set the audience only if your app sends ID tokens.',
    audienceLabel: 'App client ID',
    audiencePlaceholder: 'e.g. 1example23456789',
    notes: ['The user pool ID starts with its region: both must match.'],
    supported: true,
  },
  {
    id: 'entra',
    name: 'Microsoft Entra ID (Azure AD)',
    jwksUrlTemplate: 'https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys',
    fields: [
      {
        name: 'tenant',
        label: 'Tenant ID or domain',
        placeholder: 'e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47 or contoso.onmicrosoft.com',
        kind: 'identifier',
        pattern: new RegExp(`^(${UUID.source}|common|organizations|consumers|${DOMAIN.source.slice(1, -1)})$`, 'i'),
        patternHint: 'a tenant ID (GUID), a tenant domain such as contoso.onmicrosoft.com, or common/organizations/consumers',
        required: true,
      },
    ],
    audience: 'optional',
    audienceExplanation:
      'May be needed: Microsoft signs tokens of every app with the same keys. Set the audience to your application (client) ID or App ID URI; with common/organizations/consumers it is effectively required.',
    audienceLabel: 'Application (client) ID or App ID URI',
    audiencePlaceholder: 'e.g. api://my-api or 00000000-0000-0000-0000-000000000000',
    notes: [
      'Tokens for Microsoft Graph are not meant to be verified by you: request a token for your own API (its scope) instead.',
      'Apps with custom signing keys need `?appid=<client id>` on the URL.',
    ],
    supported: true,
  },
  {
    id: 'descope',
    name: 'Descope',
    jwksUrlTemplate: 'https://api.descope.com/{projectId}/.well-known/jwks.json',
    fields: [
      {
        name: 'projectId',
        label: 'Descope project ID',
        placeholder: 'e.g. P2abcDEF3ghiJKL4mnoPQR5stuVWX',
        kind: 'identifier',
        pattern: /^[A-Za-z0-9]+$/,
        patternHint: 'letters and digits only (Descope project IDs start with P)',
        required: true,
      },
    ],
    audience: 'none',
    audienceExplanation: AUDIENCE_NOT_NEEDED_PER_PROJECT,
    notes: [],
    supported: true,
  },
  {
    id: 'propelauth',
    name: 'PropelAuth',
    jwksUrlTemplate: 'https://{domain}/.well-known/jwks.json',
    fields: [domainField('PropelAuth auth URL', 'e.g. 123456789.propelauthtest.com or auth.example.com')],
    audience: 'none',
    audienceExplanation: 'Not needed: the auth URL is specific to your project.',
    notes: ['Test environments use *.propelauthtest.com; production uses your own auth domain.'],
    supported: true,
  },
  {
    id: 'supertokens',
    name: 'SuperTokens',
    jwksUrlTemplate: '{coreUri}/.well-known/jwks.json',
    fields: [
      {
        name: 'coreUri',
        label: 'SuperTokens core connection URI',
        placeholder: 'e.g. https://st-dev-1234.aws.supertokens.io',
        kind: 'uri',
        pattern: /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
        patternHint: 'a URL such as https://st-dev-1234.aws.supertokens.io (no query string)',
        required: true,
      },
    ],
    audience: 'none',
    audienceExplanation: 'Not needed: the core serves only your app\'s keys.',
    notes: ['A self-hosted core must be reachable from the internet over https for Neon to fetch its keys.'],
    supported: true,
  },
  {
    id: 'workos',
    name: 'WorkOS',
    jwksUrlTemplate: 'https://api.workos.com/sso/jwks/{clientId}',
    fields: [
      {
        name: 'clientId',
        label: 'WorkOS client ID',
        placeholder: 'e.g. client_01HXYZABCDEF0123456789ABCD',
        kind: 'identifier',
        pattern: /^client_[A-Za-z0-9]+$/,
        patternHint: 'client_ followed by letters and digits',
        required: true,
      },
    ],
    audience: 'none',
    audienceExplanation: 'Not needed: the URL is specific to your client ID.',
    notes: [],
    supported: true,
  },
  {
    id: 'supabase',
    name: 'Supabase Auth',
    jwksUrlTemplate: 'https://{projectRef}.supabase.co/auth/v1/.well-known/jwks.json',
    fields: [
      {
        name: 'projectRef',
        label: 'Supabase project ref',
        placeholder: 'e.g. abcdefghijklmnopqrst',
        kind: 'identifier',
        pattern: /^[a-z0-9]+$/,
        patternHint: 'lower-case letters and digits',
        required: true,
      },
    ],
    audience: 'none',
    audienceExplanation: 'Not applicable: Supabase Auth is not supported by Neon Authorize.',
    notes: [
      'Not supported: Supabase Auth signs tokens with a shared secret (HS256, symmetric), and Neon only verifies ES256/RS256 public keys from a JWKS URL.',
      'Use another provider, or verify Supabase tokens in your app and pass the claims with set_config(\'request.jwt.claims\', …) in a transaction.',
    ],
    supported: false,
  },
  {
    id: 'custom',
    name: 'Other provider (custom JWKS URL)',
    jwksUrlTemplate: '{url}',
    fields: [
      {
        name: 'url',
        label: 'JWKS URL',
        placeholder: 'e.g. https://auth.example.com/.well-known/jwks.json',
        kind: 'uri',
        pattern: /^https?:\/\/[^\s/?#]+[^\s#]*$/,
        patternHint: 'a full https:// URL',
        required: true,
      },
    ],
    audience: 'optional',
    audienceExplanation:
      'Set one if the key set is shared by other apps or tenants: Neon then refuses tokens whose `aud` does not contain it.',
    audienceLabel: 'Audience (aud claim)',
    notes: ['Neon accepts ES256 (P-256) and RS256 keys with a `kid`; the live check below tells whether this key set has them.'],
    supported: true,
  },
];

const BY_ID = new Map<ProviderId, ProviderEntry>(PROVIDERS.map((p) => [p.id, p]));

export function isProviderId(value: string): value is ProviderId {
  return BY_ID.has(value as ProviderId);
}

export function getProvider(providerId: ProviderId): ProviderEntry {
  const entry = BY_ID.get(providerId);
  if (!entry) throw new ProviderInputError(`Unknown provider "${providerId}".`, []);
  return entry;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** Thrown by buildJwksUrl; `message` is ready to show, `problems` lists each field's issue. */
export class ProviderInputError extends Error {
  constructor(
    message: string,
    readonly problems: readonly FieldProblem[],
  ) {
    super(message);
    this.name = 'ProviderInputError';
  }
}

/** Cleans what users typically paste: spaces, a scheme or trailing slash on a domain, upper-case hosts. */
export function normalizeFieldValue(field: ProviderField, raw: string): string {
  let value = raw.trim();
  switch (field.kind) {
    case 'domain':
      value = value.replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase();
      break;
    case 'uri':
      value = value.replace(/\/+$/, '');
      break;
    case 'path':
      value = value.replace(/\/+$/, '');
      if (value && !value.startsWith('/')) value = `/${value}`;
      break;
    case 'choice':
      value = value.toLowerCase();
      break;
    case 'identifier':
      break;
  }
  return value;
}

/** The user's value for one field, cleaned and checked: the message says what is wrong and what is expected. */
export function validateProviderField(providerId: ProviderId, fieldName: string, raw: string | undefined): string | undefined {
  const provider = getProvider(providerId);
  const field = provider.fields.find((f) => f.name === fieldName);
  if (!field) return `${provider.name} has no field "${fieldName}".`;
  return checkField(field, raw);
}

function checkField(field: ProviderField, raw: string | undefined): string | undefined {
  const value = normalizeFieldValue(field, raw ?? '');
  if (value === '') return field.required ? `${field.label} is required (${field.placeholder}).` : undefined;
  if (!field.pattern.test(value)) return `${field.label} "${value}" is not valid: expected ${field.patternHint}.`;
  return undefined;
}

/** Cross-field checks that a pattern cannot express. */
function crossFieldProblems(providerId: ProviderId, fields: Record<string, string>): FieldProblem[] {
  if (providerId === 'cognito' && fields.region && fields.userPoolId) {
    const poolRegion = fields.userPoolId.split('_')[0];
    if (poolRegion !== fields.region) {
      return [
        {
          field: 'userPoolId',
          message: `User pool ${fields.userPoolId} belongs to region ${poolRegion}, not ${fields.region}: use region ${poolRegion}.`,
        },
      ];
    }
  }
  return [];
}

/** Warnings that do not block building the URL. */
export function providerFieldWarnings(providerId: ProviderId, fields: Record<string, string>): string[] {
  const warnings: string[] = [];
  if (providerId === 'stytch') {
    const env = fields.environment;
    const m = /^project-(test|live)-/.exec(fields.projectId ?? '');
    if (m && env && m[1] !== env) {
      warnings.push(
        `The project ID is a ${m[1]} project but the environment is ${env}: Stytch serves a project's keys only in its own environment; use ${m[1]}.`,
      );
    }
    if (env === 'test') warnings.push('This is the Stytch test URL: switch to the live URL before production.');
  }
  if (providerId === 'entra' && /^(common|organizations|consumers)$/i.test(fields.tenant ?? '')) {
    warnings.push(
      `"${fields.tenant}" serves keys shared by many tenants: set an audience (your application ID), otherwise tokens of other organisations' apps are accepted too.`,
    );
  }
  return warnings;
}

/** Cleans and validates every field; returns the cleaned values and all problems at once. */
export function validateProviderFields(
  providerId: ProviderId,
  fields: Record<string, string | undefined>,
): { values: Record<string, string>; problems: FieldProblem[] } {
  const provider = getProvider(providerId);
  const values: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  for (const field of provider.fields) {
    const raw = fields[field.name] ?? field.defaultValue;
    const problem = checkField(field, raw);
    if (problem) problems.push({ field: field.name, message: problem });
    values[field.name] = normalizeFieldValue(field, raw ?? '');
  }
  if (problems.length === 0) problems.push(...crossFieldProblems(providerId, values));
  return { values, problems };
}

function fillTemplate(providerId: ProviderId, values: Record<string, string>): string {
  const provider = getProvider(providerId);
  let url = provider.jwksUrlTemplate.replace(/\{(\w+)\}/g, (_, name: string) => {
    // Stytch's live API is served from api.stytch.com, test from test.stytch.com.
    if (providerId === 'stytch' && name === 'environment') return values.environment === 'live' ? 'api' : 'test';
    const value = values[name] ?? '';
    return provider.fields.find((f) => f.name === name)?.kind === 'identifier' ? encodeURIComponent(value) : value;
  });
  if (providerId === 'custom') url = values.url ?? '';
  return url;
}

/** Builds the JWKS URL from the provider's fields; throws ProviderInputError listing every bad field. */
export function buildJwksUrl(providerId: ProviderId, fields: Record<string, string | undefined>): string {
  const provider = getProvider(providerId);
  const { values, problems } = validateProviderFields(providerId, fields);
  if (!provider.supported) {
    throw new ProviderInputError(`${provider.name} is not supported by Neon Authorize. ${provider.notes[0] ?? ''}`.trim(), problems);
  }
  if (problems.length > 0) {
    const list = problems.map((p) => p.message).join(' ');
    throw new ProviderInputError(`Cannot build the ${provider.name} JWKS URL: ${list}`, problems);
  }
  return fillTemplate(providerId, values);
}

/** Checks the audience against the provider's requirement; returns a message when it is missing or malformed. */
export function validateAudience(providerId: ProviderId, audience: string | undefined): string | undefined {
  const provider = getProvider(providerId);
  const value = (audience ?? '').trim();
  if (provider.audience === 'required' && value === '') {
    return `${provider.name} needs an audience (${provider.audienceLabel ?? 'aud'}). ${provider.audienceExplanation}`;
  }
  if (/\s/.test(value)) return 'The audience must not contain spaces.';
  if (providerId === 'google' && value !== '' && !value.endsWith('.apps.googleusercontent.com')) {
    return `Google OAuth client IDs end with .apps.googleusercontent.com ("${value}" does not).`;
  }
  return undefined;
}

export interface DetectedProvider {
  readonly providerId: ProviderId;
  readonly fields: Record<string, string>;
  /** The URL rebuilt from the template (for 'custom': the pasted URL, trimmed). */
  readonly jwksUrl: string;
  readonly supported: boolean;
  /** Things to fix or know, in words for the user. */
  readonly warnings: string[];
  /** For a generic /.well-known/jwks.json on an unknown host: providers that serve URLs of that shape. */
  readonly candidates?: ProviderId[];
}

interface UrlMatch {
  providerId: ProviderId;
  fields: Record<string, string>;
  warnings?: string[];
}

const FIREBASE_ACCOUNT = 'securetoken@system.gserviceaccount.com';

/** Recognisers, most specific first. `host` is lower-case (with `:port` when one was given), `path` decoded, without trailing slashes. */
function matchKnownProvider(host: string, path: string, origin: string): UrlMatch | undefined {
  let m: RegExpExecArray | null;
  if (host === 'api.stack-auth.com' && (m = /^\/api\/v1\/projects\/([^/]+)\/\.well-known\/jwks\.json$/i.exec(path))) {
    return { providerId: 'stack-auth', fields: { projectId: m[1]! } };
  }
  if ((m = /^(test|api|live)\.stytch\.com$/.exec(host))) {
    const pm = /^\/v1\/(b2b\/)?sessions\/jwks\/([^/]+)$/i.exec(path);
    if (pm) {
      const warnings: string[] = [];
      if (m[1] === 'live') warnings.push('Stytch serves live keys from api.stytch.com (there is no live.stytch.com): the URL was corrected.');
      if (pm[1]) warnings.push('This is the B2B sessions path; Neon\'s template uses /v1/sessions/jwks/ (same keys for the project).');
      return { providerId: 'stytch', fields: { environment: m[1] === 'test' ? 'test' : 'live', projectId: pm[2]! }, warnings };
    }
  }
  if (host === 'www.googleapis.com') {
    if (path.toLowerCase() === `/service_accounts/v1/jwk/${FIREBASE_ACCOUNT}`) return { providerId: 'firebase', fields: {} };
    if (path.toLowerCase() === `/robot/v1/metadata/x509/${FIREBASE_ACCOUNT}`) {
      return {
        providerId: 'firebase',
        fields: {},
        warnings: ['This is Firebase\'s X.509 certificate endpoint (PEM), not a JWKS: the URL was changed to the JWK endpoint.'],
      };
    }
    if (/^\/oauth2\/v3\/certs$/i.test(path)) return { providerId: 'google', fields: {} };
    if (/^\/oauth2\/v1\/certs$/i.test(path)) {
      return {
        providerId: 'google',
        fields: {},
        warnings: ['/oauth2/v1/certs serves PEM certificates, not a JWKS: the URL was changed to /oauth2/v3/certs.'],
      };
    }
  }
  const cognitoHost = /^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
  if (cognitoHost && (m = /^\/([^/]+)\/\.well-known\/jwks\.json$/i.exec(path))) {
    return { providerId: 'cognito', fields: { region: cognitoHost[1]!, userPoolId: m[1]! } };
  }
  if (host === 'login.microsoftonline.com') {
    if ((m = /^\/([^/]+)\/discovery\/v2\.0\/keys$/i.exec(path))) return { providerId: 'entra', fields: { tenant: m[1]! } };
    if ((m = /^\/([^/]+)\/discovery\/keys$/i.exec(path)) || (m = /^\/()discovery\/keys$/i.exec(path))) {
      return {
        providerId: 'entra',
        fields: { tenant: m[1] || 'common' },
        warnings: ['This is the v1.0 keys endpoint: the URL was changed to /discovery/v2.0/keys (same keys; v2.0 is what Neon documents).'],
      };
    }
  }
  if (host === 'api.descope.com' && (m = /^\/([^/]+)\/\.well-known\/jwks\.json$/i.exec(path))) {
    return { providerId: 'descope', fields: { projectId: m[1]! } };
  }
  if (host === 'api.workos.com' && (m = /^\/sso\/jwks\/([^/]+)$/i.exec(path))) {
    return { providerId: 'workos', fields: { clientId: m[1]! } };
  }
  if ((m = /^([a-z0-9]+)\.supabase\.(co|in)$/.exec(host))) {
    return { providerId: 'supabase', fields: { projectRef: m[1]! } };
  }
  if ((m = /^(.*)\/realms\/([^/]+)\/protocol\/openid-connect\/certs$/i.exec(path))) {
    return { providerId: 'keycloak', fields: { host, pathPrefix: m[1]!, realm: m[2]! } };
  }
  const wellKnown = /^(.*)\/\.well-known\/jwks\.json$/i.exec(path);
  if (wellKnown) {
    const prefix = wellKnown[1]!;
    if (prefix === '' && (host.endsWith('.clerk.accounts.dev') || host.startsWith('clerk.'))) return { providerId: 'clerk', fields: { domain: host } };
    if (prefix === '' && host.endsWith('.auth0.com')) return { providerId: 'auth0', fields: { domain: host } };
    if (prefix === '' && host.endsWith('.propelauthtest.com')) return { providerId: 'propelauth', fields: { domain: host } };
    if (host.endsWith('.supertokens.io') || host.endsWith('.supertokens.com')) {
      return { providerId: 'supertokens', fields: { coreUri: `${origin}${prefix}` } };
    }
  }
  return undefined;
}

const LOOKS_LIKE_JWKS = /(jwks|jwk|certs|keys)(\.json)?$/i;

/** Loopback and private-network hosts: Neon's cloud cannot fetch a JWKS from them. */
export function isLocalAddress(host: string): boolean {
  return (
    isLoopbackHost(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host) ||
    host === '0.0.0.0'
  );
}

/**
 * Recognises a pasted JWKS URL. Known providers come back with their fields and the canonical URL; anything
 * else that is an http(s) URL comes back as 'custom' with warnings. Returns undefined when the text is not a URL.
 */
export function detectProvider(input: string): DetectedProvider | undefined {
  let text = input.trim();
  if (text === '') return undefined;
  const warnings: string[] = [];
  if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    if (!/^[^\s/]+\.[^\s/]+(\/|$)/.test(text)) return undefined;
    text = `https://${text}`;
    warnings.push('The URL had no scheme: https:// was assumed.');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password) warnings.push('The URL contains a user name or password: remove them, a JWKS URL is public.');
  const host = url.hostname.toLowerCase();
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  const trimmedPath = path.replace(/\/+$/, '');
  const hostWithPort = url.port ? `${host}:${url.port}` : host;
  const match = matchKnownProvider(hostWithPort, trimmedPath, `https://${hostWithPort}`);

  if (match) {
    const provider = getProvider(match.providerId);
    const { values, problems } = validateProviderFields(match.providerId, match.fields);
    const jwksUrl = fillTemplate(match.providerId, values) + (match.providerId === 'entra' ? url.search : '');
    // `changes` explain why jwksUrl differs from what was pasted; `notes` are things to know.
    const changes = [...warnings, ...(match.warnings ?? [])];
    if (url.protocol === 'http:') changes.push(`${provider.name} serves its keys over https: the URL was changed to https.`);
    if (url.search && match.providerId !== 'entra') changes.push(`The query string "${url.search}" is not part of the ${provider.name} URL and was dropped.`);
    if (url.hash) changes.push('The "#…" fragment was dropped.');
    const notes: string[] = problems.map((p) => p.message);
    if (provider.supported) notes.push(...providerFieldWarnings(match.providerId, values));
    else notes.push(...provider.notes);
    if (provider.audience === 'required') notes.push(provider.audienceExplanation);
    if (provider.supported && changes.length === 0 && jwksUrl !== input.trim()) {
      // Only cosmetic differences (case, trailing slash, encoding): say so, so the user is not surprised.
      changes.push(`The URL was normalised to ${jwksUrl}.`);
    }
    const all = [...changes, ...notes];
    return { providerId: match.providerId, fields: values, jwksUrl, supported: provider.supported, warnings: all };
  }

  const customUrl = url.toString();
  if (url.protocol === 'http:') {
    warnings.push('The URL uses http: Neon fetches the key set over the internet, use https so it cannot be tampered with on the way.');
  }
  if (isLocalAddress(host)) {
    warnings.push(`${host} is a local address: Neon cannot reach it from its cloud (fine for the local playground only).`);
  }
  let candidates: ProviderId[] | undefined;
  if (/\/\.well-known\/openid-configuration$/i.test(trimmedPath)) {
    warnings.push('This is an OpenID discovery document, not a JWKS: open it and use its "jwks_uri" value instead.');
  } else if (/\/\.well-known\/jwks\.json$/i.test(trimmedPath)) {
    candidates = ['clerk', 'auth0', 'propelauth', 'supertokens'];
  } else if (!LOOKS_LIKE_JWKS.test(trimmedPath)) {
    warnings.push(
      'The path does not look like a JWKS endpoint (usually …/.well-known/jwks.json, …/jwks, …/certs or …/keys): check it is the key set URL and not a login or discovery page.',
    );
  }
  if (trimmedPath !== path) warnings.push('The trailing "/" is kept; remove it if the provider does not serve the key set there.');
  return { providerId: 'custom', fields: { url: customUrl }, jwksUrl: customUrl, supported: true, warnings, candidates };
}
