import assert from 'node:assert/strict';
import { hasPostgresScheme, InvalidConnectionUrlError, parseConnectionUrl, percentDecode } from '../../src/core/sql/connectionString';

/** The decoded parts, without the offsets, with each host as `{ host, port }` and the query as a plain object. */
function parts(url: string) {
  const p = parseConnectionUrl(url);
  const hosts = p.hosts.map(({ host, port }) => ({ host, port }));
  return { user: p.user, password: p.password, hosts, database: p.database, params: Object.fromEntries(p.params) };
}

describe('sql/connectionString: parseConnectionUrl', () => {
  it('reads postgres:// and postgresql:// alike, whatever their case', () => {
    assert.deepEqual(parts('postgres://me:pw@db.example.com:6543/app'), {
      user: 'me', password: 'pw', hosts: [{ host: 'db.example.com', port: 6543 }], database: 'app', params: {},
    });
    assert.deepEqual(parts('PostgreSQL://me:pw@db.example.com/app'), {
      user: 'me', password: 'pw', hosts: [{ host: 'db.example.com', port: undefined }], database: 'app', params: {},
    });
  });

  it('decodes percent-encoded user, password, host and database', () => {
    assert.deepEqual(parts('postgresql://us%40er:p%40ss%2Fw%3Ard%25@h%2Dx/my%20db'), {
      user: 'us@er', password: 'p@ss/w:rd%', hosts: [{ host: 'h-x', port: undefined }], database: 'my db', params: {},
    });
  });

  it('keeps a malformed percent escape as written', () => {
    assert.equal(parts('postgres://me:100%@h/db').password, '100%');
    assert.equal(percentDecode('%zz'), '%zz');
  });

  it('takes a password with unescaped @, / and ? up to the last @ before the query', () => {
    const url = 'postgres://app:p@ss/w?rd@db.example.com/app?application_name=ops@example.com';
    const p = parseConnectionUrl(url);
    assert.equal(p.password, 'p@ss/w?rd');
    assert.equal(p.hosts[0]?.host, 'db.example.com');
    assert.equal(p.params.get('application_name'), 'ops@example.com');
    assert.equal(url.slice(...p.passwordSpan!), 'p@ss/w?rd');
    assert.equal(url[p.atIndex], '@');
    assert.equal(url.slice(p.queryStart), 'application_name=ops@example.com');
  });

  it('reads IPv6 hosts in brackets, with and without a port', () => {
    assert.deepEqual(parts('postgres://me@[::1]:5433/db').hosts, [{ host: '::1', port: 5433 }]);
    assert.deepEqual(parts('postgres://me@[2001:db8::7]/db').hosts, [{ host: '2001:db8::7', port: undefined }]);
  });

  it('leaves the port undefined when it is missing or empty', () => {
    assert.deepEqual(parts('postgres://me@localhost/db').hosts, [{ host: 'localhost', port: undefined }]);
    assert.deepEqual(parts('postgres://me@localhost:/db').hosts, [{ host: 'localhost', port: undefined }]);
  });

  it('reads a multi-host list in order', () => {
    assert.deepEqual(parts('postgresql://me@h1:5432,h2,[::1]:5434/db').hosts, [
      { host: 'h1', port: 5432 },
      { host: 'h2', port: undefined },
      { host: '::1', port: 5434 },
    ]);
  });

  it('reads query parameters, also when the authority is empty', () => {
    const p = parts('postgresql:///db?host=/var/run/postgresql&user=me&sslmode=require&options=endpoint%3Dep-x');
    assert.deepEqual(p.hosts, []);
    assert.equal(p.user, '');
    assert.equal(p.password, undefined);
    assert.equal(p.database, 'db');
    assert.deepEqual(p.params, { host: '/var/run/postgresql', user: 'me', sslmode: 'require', options: 'endpoint=ep-x' });
  });

  it('tells a missing password from an empty one, and has no offsets without them', () => {
    const noPassword = parseConnectionUrl('postgres://me@h/db');
    assert.equal(noPassword.password, undefined);
    assert.equal(noPassword.passwordSpan, undefined);
    assert.equal(noPassword.queryStart, -1);
    assert.equal(parseConnectionUrl('postgres://me:@h/db').password, '');
    const noUser = parseConnectionUrl('postgres://h/db');
    assert.equal(noUser.user, '');
    assert.equal(noUser.atIndex, -1);
  });

  it('has an empty database when the URL names none', () => {
    assert.equal(parts('postgres://me@h').database, '');
    assert.equal(parts('postgres://me@h/').database, '');
  });

  it('refuses text that is not a postgres:// URL, without echoing it', () => {
    for (const text of ['mysql://me:secretpw@h/db', 'postgres:/h/db', 'host=h password=secretpw', '']) {
      assert.equal(hasPostgresScheme(text), false, text);
      assert.throws(() => parseConnectionUrl(text), (err: unknown) => err instanceof InvalidConnectionUrlError && !err.message.includes('secretpw'));
    }
    assert.equal(hasPostgresScheme('  postgres://h/db'), true);
  });
});
