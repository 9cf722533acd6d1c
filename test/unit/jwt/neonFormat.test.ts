import assert from 'node:assert/strict';
import { NEON_JWT_MESSAGES as M, NeonJwtError, neonHttpErrorBody, parseBearer, parseTokenLikeNeon } from '../../../src/core/jwt/index';
import { b64url, rawToken } from './helpers';

const header = { alg: 'ES256', kid: 'k' };

describe('parseBearer (Neon get_conn_info)', function () {
  const good = rawToken(header, { sub: 'u' });
  const fails = (value: string | undefined, message: string, explanation?: RegExp) => {
    assert.throws(
      () => parseBearer(value),
      (e: unknown) => e instanceof NeonJwtError && e.message === message && (!explanation || explanation.test(e.explanation)),
      `${JSON.stringify(value)} should fail with "${message}"`,
    );
  };

  it('returns the token after "Bearer "', () => {
    assert.equal(parseBearer(`Bearer ${good}`), good);
    assert.equal(parseBearer(`  Bearer ${good}\t`), good, 'HTTP trims whitespace around header values');
  });

  it('missing header, other schemes, wrong capitalisation -> missing authentication credentials', () => {
    fails(undefined, M.missingCredentials, /no Authorization header/);
    fails('', M.missingCredentials, /empty/);
    fails(`Basic dXNlcjpwYXNz`, M.missingCredentials, /"Basic" scheme/);
    fails(`bearer ${good}`, M.missingCredentials, /exact capitalisation/);
    fails(`BEARER ${good}`, M.missingCredentials, /exact capitalisation/);
    fails(good, M.missingCredentials);
    fails('Bearer ', M.missingCredentials); // HTTP drops the trailing space, leaving "Bearer"
    assert.equal(M.missingCredentials, 'missing authentication credentials: required authorization bearer token in JWT format');
  });

  it('non-ASCII in the header -> invalid header: authorization', () => {
    fails(`Bearer ${good}é`, 'invalid header: authorization');
    fails(`Bearer ${good}\n`, 'invalid header: authorization');
  });

  it('a token that is not a JWT -> invalid encoding (what Neon says in check_jwt)', () => {
    fails('Bearer x.y', M.invalidEncoding);
    fails('Bearer abc', M.invalidEncoding);
    fails(`Bearer  ${good}`, M.invalidEncoding, /base64url/); // two spaces: the token starts with a space
  });
});

describe('parseTokenLikeNeon: Neon\'s encoding rules', function () {
  const invalid: Array<[string, string, RegExp]> = [
    ['not-a-jwt', 'no dots', /three/],
    ['a.b', 'two parts', /three/],
    [`${rawToken(header, {})}.extra`, 'four parts', /more than three/],
    [`${b64url(header)}=.${b64url({})}.c2ln`, 'padding in the header', /padding/],
    [`${b64url(header)}.${b64url({})}.c2ln!`, 'a non-base64url signature', /signature/],
    [`${b64url('{"alg":"ES256"')}.${b64url({})}.c2ln`, 'header not JSON', /not valid JSON/],
    [`${b64url('\ufeff{"alg":"ES256","kid":"k"}')}.${b64url({})}.c2ln`, 'a byte-order mark before the header JSON', /not valid JSON/],
    [rawToken({ alg: 'es256', kid: 'k' }, {}), 'alg in lower case', /case-sensitive/],
    [rawToken({ alg: 'HS999', kid: 'k' }, {}), 'an alg JOSE does not define', /not a JOSE signing algorithm/],
    [rawToken({ kid: 'k' }, {}), 'no alg', /no "alg"/],
    [rawToken({ alg: 'ES256', kid: 5 }, {}), 'numeric kid', /kid must be a string/],
    [`${b64url('{"alg":"ES256","alg":"ES256","kid":"k"}')}.${b64url({})}.c2ln`, 'alg twice', /repeats/],
    [rawToken([header], {}), 'header array', /object/],
    [rawToken(header, []), 'payload array', /object/],
    [rawToken(header, { exp: 1.5 }), 'fractional exp', /whole/],
    [rawToken(header, { exp: '1700000000' }), 'exp as a string', /number of seconds/],
    [rawToken(header, { exp: -1 }), 'negative exp', /non-negative/],
    [rawToken(header, { nbf: 1e21 }), 'nbf in exponent form', /exponent/],
    [`${b64url(header)}.${b64url('{"exp":1.0}')}.c2ln`, 'exp written 1.0', /1\.0/],
    [`${b64url(header)}.${b64url('{"exp":99999999999999999999}')}.c2ln`, 'exp past u64/SystemTime', /out of range/],
    [rawToken(header, { sub: 42 }), 'numeric sub', /sub must be a string/],
    [rawToken(header, { jti: 7 }), 'numeric jti', /jti must be a string/],
    [rawToken(header, { iss: { a: 1 } }), 'object iss', /iss must be a string/],
    [rawToken(header, { sid: true }), 'boolean sid', /sid must be a string/],
    [rawToken(header, { aud: 5 }), 'numeric aud', /aud must be/],
    [rawToken(header, { aud: [1] }), 'aud list of numbers', /aud must be/],
    [rawToken(header, { aud: null }), 'aud null', /aud must be/],
    [`${b64url(header)}.${b64url('{"sub":"\\ud800"}')}.c2ln`, 'lone surrogate in sub', /surrogate/],
    [`${b64url(header)}.${b64url('{"exp":1,"exp":2}')}.c2ln`, 'exp twice', /repeats/],
  ];
  for (const [token, what, reason] of invalid) {
    it(`refuses ${what}`, () => {
      const r = parseTokenLikeNeon(token);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, reason);
    });
  }

  it('accepts what serde accepts: unknown claims of any type, null for optional claims, a string aud, a kid-less header', () => {
    const r = parseTokenLikeNeon(
      `${b64url('{"alg":"RS256","typ":"JWT","x":[1,{"y":null}],"x":2}')}.${b64url('{"exp":null,"nbf":0,"aud":"a","role":7,"custom":{"deep":[true]},"sub":null,"sub2":"\\ud800"}')}.`,
    );
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.parts.alg, 'RS256');
    assert.equal(r.parts.kid, undefined);
    assert.deepEqual(r.parts.audience, ['a']);
    assert.equal(r.parts.exp, undefined);
    assert.equal(r.parts.nbf, 0n);
    assert.equal(r.parts.signature.length, 0);
    assert.equal((r.parts.claims as { role: number }).role, 7);
  });

  it('reads exp exactly, past 2^53', () => {
    const r = parseTokenLikeNeon(`${b64url(header)}.${b64url('{"exp":9223372036854775807}')}.`);
    assert.ok(r.ok && r.parts.exp === 9223372036854775807n);
  });
});

describe('NeonJwtError as Neon sends it', function () {
  it('is a 400 with code "" and severity "", all other fields null', () => {
    const e = new NeonJwtError('jwk-not-found', M.jwkNotFound, 'why');
    assert.deepEqual(e.toHttpBody(), {
      message: 'jwk not found',
      code: '',
      detail: null,
      hint: null,
      position: null,
      internalPosition: null,
      internalQuery: null,
      severity: '',
      where: null,
      table: null,
      column: null,
      schema: null,
      dataType: null,
      constraint: null,
      file: null,
      line: null,
      routine: null,
    });
    assert.deepEqual(neonHttpErrorBody('x').message, 'x');
    assert.equal(e.httpStatus, 400);
    assert.ok(!e.message.includes('why'), 'the explanation stays out of the message');
  });

  it('keeps Neon\'s texts', () => {
    assert.equal(M.expired(1700000000n), 'JWT token has expired (exp=1700000000)');
    assert.equal(M.notYetValid(5), 'JWT token is not yet ready to use (nbf=5)');
    assert.equal(M.invalidEncoding, 'Provided authentication token is not a valid JWT encoding');
    assert.equal(M.unsupportedEcKeyType('P521'), 'unsupported EC key type P521');
    assert.equal(M.unsupportedKeyType('Okp(Ed448)'), 'unsupported key type Okp(Ed448)');
  });
});
