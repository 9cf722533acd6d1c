import assert from 'node:assert/strict';
import { decodeTokenUnverified, describeRelative, inspectToken, TokenDecodeError, type TokenWarningCode } from '../../../src/core/jwt/index';
import { b64url, rawToken } from './helpers';

const NOW = Date.parse('2030-03-01T00:00:00Z');
const NOW_SEC = NOW / 1000;
const good = { alg: 'ES256', kid: 'k1', typ: 'JWT' };
const claims = { sub: 'user_1', role: 'authenticated', iat: NOW_SEC - 60, exp: NOW_SEC + 3600 };

const codes = (token: string, opts: Parameters<typeof inspectToken>[1] = {}) => inspectToken(token, { now: NOW, ...opts }).warnings.map((w) => w.code).sort();

describe('decodeTokenUnverified', function () {
  it('returns header and claims, tolerating a pasted "Bearer " prefix and padding', () => {
    const token = rawToken(good, claims);
    assert.deepEqual(decodeTokenUnverified(token), { header: good, claims });
    assert.deepEqual(decodeTokenUnverified(`  Bearer ${token}\n`).claims, claims);
    const [h, p, s] = token.split('.');
    assert.deepEqual(decodeTokenUnverified(`${h}==.${p}.${s}`).header, good);
  });

  it('says what is wrong with a token it cannot read', () => {
    const cases: Array<[string, RegExp, string]> = [
      ['', /empty/, 'token'],
      ['abc.def', /three parts .* this has 2/, 'token'],
      ['a.b.c.d.e', /encrypted JWT \(JWE/, 'token'],
      [`***.${b64url(claims)}.x`, /header is not base64url/, 'header'],
      [`${b64url('{"alg":')}.${b64url(claims)}.x`, /header is not JSON/, 'header'],
      [`${b64url(good)}.${b64url('[1]')}.x`, /payload must be a JSON object/, 'payload'],
    ];
    for (const [token, message, part] of cases)
      assert.throws(() => decodeTokenUnverified(token), (e: unknown) => e instanceof TokenDecodeError && message.test(e.message) && e.part === part, token);
  });
});

describe('inspectToken', function () {
  it('a healthy token has no warnings and readable times', () => {
    const r = inspectToken(rawToken(good, claims), { now: NOW });
    assert.deepEqual(r.warnings, []);
    assert.equal(r.times.exp?.iso, '2030-03-01T01:00:00.000Z');
    assert.equal(r.times.exp?.relative, 'in 60 min');
    assert.equal(r.times.iat?.relative, '60 s ago');
    assert.equal(r.times.nbf, undefined);
  });

  it('flags what users trip on, each with a readable message', () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, TokenWarningCode[], Parameters<typeof inspectToken>[1]?]> = [
      [{ alg: 'ES256' }, claims, ['no-kid']],
      [{ ...good, alg: 'HS256' }, claims, ['alg-not-supported']],
      [{ ...good, alg: 'none' }, claims, ['alg-not-supported']],
      [{ ...good, alg: 'EdDSA' }, claims, ['alg-not-supported']],
      [good, { ...claims, aud: 'other' }, ['aud-mismatch'], { expectedAudience: 'mine' }],
      [good, claims, ['aud-mismatch'], { expectedAudience: 'mine' }],
      [good, { ...claims, aud: ['x', 'mine'] }, [], { expectedAudience: 'mine' }],
      [good, { ...claims, role: undefined }, ['no-role']],
      [good, { ...claims, sub: undefined }, ['no-sub']],
      [good, { ...claims, exp: undefined }, ['no-exp']],
      [good, { ...claims, exp: NOW_SEC - 3600 }, ['expired']],
      [good, { ...claims, exp: NOW_SEC - 10 }, ['expired-within-leeway']],
      [good, { ...claims, exp: NOW_SEC + 2 * 86400 }, ['long-lived']],
      [good, { ...claims, exp: NOW_SEC + 2 * 86400 }, [], { longLivedAfterSec: 7 * 86400 }],
      [good, { ...claims, nbf: NOW_SEC + 600 }, ['not-yet-valid']],
      [good, { ...claims, nbf: NOW_SEC + 10 }, []],
      [good, { ...claims, sub: 12345 }, ['neon-encoding']],
      [good, { ...claims, exp: NOW_SEC + 60.5 }, ['neon-encoding']],
    ];
    for (const [header, payload, expected, opts] of cases) {
      assert.deepEqual(codes(rawToken(header, payload), opts), [...expected].sort(), JSON.stringify({ header, payload, opts }));
    }
  });

  it('quotes Neon\'s own message where Neon would refuse the token', () => {
    const r = inspectToken(rawToken(good, { ...claims, exp: NOW_SEC - 3600, sub: 7 }), { now: NOW });
    const byCode = Object.fromEntries(r.warnings.map((w) => [w.code, w]));
    assert.equal(byCode.expired?.level, 'error');
    assert.match(byCode.expired!.message, new RegExp(`JWT token has expired \\(exp=${NOW_SEC - 3600}\\)`));
    assert.match(byCode['neon-encoding']!.message, /not a valid JWT encoding.*sub must be a string/);
    const noKid = inspectToken(rawToken({ alg: 'RS256' }, claims), { now: NOW }).warnings[0]!;
    assert.match(noKid.message, /"missing key id"/);
  });

  it('describes relative times in words', () => {
    assert.equal(describeRelative(0), 'just now');
    assert.equal(describeRelative(90), 'in 90 s');
    assert.equal(describeRelative(-3 * 3600), '3 h ago');
    assert.equal(describeRelative(10 * 86400), 'in 10 days');
  });
});
