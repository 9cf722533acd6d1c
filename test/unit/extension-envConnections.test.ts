// Workspace .env connections as the extension resolves them (src/extension/connections/envConnections.ts):
// several files per folder with Next.js precedence, the NEXT_PUBLIC_ variant, NEON_FETCH_ENDPOINT, masking.
import assert from 'node:assert/strict';
import { EnvConnectionMissingError, discoverEnv, envConnectionSet, envPickItems } from '../../src/extension/connections/envConnections';

const root = '/ws';
const files = [
  { path: '/ws/.env', text: "DATABASE_URL='postgresql://neondb_owner:OwnerSecret1@127.0.0.1:4444/neondb'\nDATABASE_AUTHENTICATED_URL=postgresql://authenticated:OldAuth1@127.0.0.1:4444/neondb\n" },
  {
    path: '/ws/.env.local',
    text:
      "DATABASE_AUTHENTICATED_URL='postgresql://authenticated:AuthSecret2@127.0.0.1:4444/neondb'\n" +
      "NEXT_PUBLIC_DATABASE_AUTHENTICATED_URL='postgresql://authenticated:AuthSecret2@127.0.0.1:4444/neondb'\n" +
      "NEON_FETCH_ENDPOINT='http://127.0.0.1:4444/sql'\n",
  },
  { path: '/ws/.env.production', text: "DATABASE_URL='postgresql://prod_owner:ProdSecret3@ep-prod-1.us-east-2.aws.neon.tech/neondb'\n" },
  { path: '/ws/apps/web/.env', text: 'DATABASE_URL=\n' },
  { path: '/ws/apps/api/.env.development', text: "DATABASE_URL=postgres://api_owner:ApiSecret4@db.internal:5433/api\n" },
];

describe('extension .env connections', () => {
  it('resolves a folder\'s owner and authenticated URLs with Next.js precedence and the fetch endpoint', () => {
    const set = envConnectionSet(discoverEnv(files), files, '/ws', root);
    assert.equal(set.ownerUrl, 'postgresql://neondb_owner:OwnerSecret1@127.0.0.1:4444/neondb');
    assert.equal(set.ownerVariable, 'DATABASE_URL');
    // .env.local beats .env; the server-only variable beats its NEXT_PUBLIC_ twin.
    assert.equal(set.authenticatedUrl, 'postgresql://authenticated:AuthSecret2@127.0.0.1:4444/neondb');
    assert.equal(set.authenticatedVariable, 'DATABASE_AUTHENTICATED_URL');
    assert.equal(set.fetchEndpoint, 'http://127.0.0.1:4444/sql');
    assert.deepEqual(set.loadedFiles, ['/ws/.env.local', '/ws/.env']);
    assert.equal(set.label, '.env: neondb_owner@127.0.0.1:4444/neondb');
  });

  it('reads production files only in production mode', () => {
    const set = envConnectionSet(discoverEnv(files, 'production'), files, '/ws', root);
    assert.match(set.ownerUrl, /prod_owner/);
    assert.equal(set.label, '.env.production: prod_owner@ep-prod-1/neondb');
  });

  it('lists one picker entry per folder with an owner URL, passwords masked', () => {
    const items = envPickItems(discoverEnv(files), root);
    assert.deepEqual(items.map((i) => i.directory), ['/ws', '/ws/apps/api']);
    const text = JSON.stringify(items);
    for (const secret of ['OwnerSecret1', 'AuthSecret2', 'ApiSecret4']) assert.ok(!text.includes(secret), `${secret} is masked`);
    assert.match(items[0]!.detail, /DATABASE_URL: postgresql:\/\/neondb_owner:\*\*\*\*@127\.0\.0\.1:4444\/neondb/);
    assert.equal(items[0]!.description, '.env.local, .env');
  });

  it('says what is missing when a folder has no owner URL', () => {
    assert.throws(() => envConnectionSet(discoverEnv(files), files, '/ws/apps/web', root), (e: Error) => {
      assert.ok(e instanceof EnvConnectionMissingError);
      assert.match(e.message, /No owner connection URL \(DATABASE_URL\) in apps\/web\/\.env\. DATABASE_URL in .* is empty/);
      return true;
    });
    assert.throws(() => envConnectionSet(discoverEnv(files), files, '/ws/none', root), /No \.env file that Next\.js would load/);
  });
});
