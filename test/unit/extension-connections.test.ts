// Two parts of the connection layer that need no VS Code: the saved connection choice (what the
// workspace remembers, and where the passwords of URLs entered by hand go) and the provider registries
// (the playground's, the Neon project's through the API).
import assert from 'node:assert/strict';
import type { JwksProviderRegistration } from '../../src/core/jwt/types';
import type { NeonApi } from '../../src/core/neonApi';
import type { Playground } from '../../src/playground/playground';
import { providerRegistryOf } from '../../src/extension/connections/providerRegistries';
import { createSavedChoice, type ConnectionChoice, type ManualChoice } from '../../src/extension/connections/savedChoice';
import type { ActiveConnection } from '../../src/extension/connections/types';
import { MemorySecrets, MemoryState } from '../support/memoryStores';

function memoryContext() {
  const state = new MemoryState();
  const secrets = new MemorySecrets();
  return { state, secrets, context: { workspaceState: state, secrets } };
}

describe('extension connections: the saved choice', () => {
  const manual: ManualChoice = {
    kind: 'manual',
    ownerUrl: 'postgresql://app_owner:Owner-Pw-1@db.example.com/app?sslmode=require',
    authenticatedUrl: 'postgresql://authenticated:Auth-Pw-2@db.example.com/app?sslmode=require',
  };

  it('remembers a URL entered by hand without its password, which goes to secret storage', async () => {
    const { context, state, secrets } = memoryContext();
    const saved = createSavedChoice(context);
    const safe = await saved.withoutSecrets(manual);
    assert.equal(safe.kind, 'manual');
    await saved.save(safe);
    const remembered = JSON.stringify(state.dump());
    assert.doesNotMatch(remembered, /Owner-Pw-1|Auth-Pw-2/);
    assert.match(remembered, /app_owner@db\.example\.com/);
    assert.deepEqual([...secrets.values.values()].sort(), ['Auth-Pw-2', 'Owner-Pw-1']);
    assert.deepEqual(await saved.withPasswords(saved.get() as ManualChoice), manual);
  });

  it('moves every secret query parameter to secret storage, not only the password', async () => {
    const { context, state, secrets } = memoryContext();
    const saved = createSavedChoice(context);
    const withKeyPassword: ManualChoice = {
      kind: 'manual',
      ownerUrl: 'postgresql://app_owner@db.example.com/app?sslmode=verify-full&sslpassword=Key-Pw-4&sslkey=/keys/owner.key&pwd=Drv-Pw-5',
    };
    const safe = await saved.withoutSecrets(withKeyPassword);
    await saved.save(safe);
    const remembered = JSON.stringify(state.dump());
    assert.doesNotMatch(remembered, /Key-Pw-4|Drv-Pw-5/);
    assert.match(remembered, /sslmode=verify-full&sslkey=\/keys\/owner\.key/);
    assert.match([...secrets.values.values()].join(' '), /Key-Pw-4/);
    assert.deepEqual(await saved.withPasswords(saved.get() as ManualChoice), {
      kind: 'manual',
      ownerUrl: 'postgresql://app_owner@db.example.com/app?sslmode=verify-full&sslkey=/keys/owner.key&sslpassword=Key-Pw-4&pwd=Drv-Pw-5',
    });
  });

  it('keeps the other kinds of choice as they are, and forgets', async () => {
    const { context, secrets } = memoryContext();
    const saved = createSavedChoice(context);
    assert.equal(saved.get(), undefined);
    const choices: ConnectionChoice[] = [
      { kind: 'playground' },
      { kind: 'env', directory: '/work/app' },
      { kind: 'neon', projectId: 'shiny-wind-028834', branchId: 'br-aged-salad-637688', databaseName: 'neondb', projectName: 'acme' },
    ];
    for (const choice of choices) {
      const safe = await saved.withoutSecrets(choice);
      assert.deepEqual(safe, choice);
      await saved.save(safe);
      assert.deepEqual(saved.get(), choice);
    }
    assert.equal(secrets.values.size, 0);
    await saved.forget();
    assert.equal(saved.get(), undefined);
  });

  it('refuses a choice that would still carry a secret where it is remembered', async () => {
    const { context } = memoryContext();
    const saved = createSavedChoice(context);
    const leaky: ConnectionChoice = { kind: 'neon', projectId: 'p', branchId: 'b', databaseName: 'postgresql://u:Leaked-Pw-3@h/db' };
    await assert.rejects(saved.withoutSecrets(leaky), { name: 'SecretInSettingsError' });
  });
});

describe('extension connections: provider registries', () => {
  const registration = (id: string, extra: Partial<JwksProviderRegistration> = {}): JwksProviderRegistration => ({
    id,
    providerName: id,
    jwksUrl: `https://${id}.example.com/.well-known/jwks.json`,
    roleNames: ['authenticated', 'anonymous'],
    ...extra,
  });
  const connection = (extra: Partial<ActiveConnection>): ActiveConnection => ({
    kind: 'manual',
    label: 'db.example.com/app',
    ownerUrl: 'postgresql://app_owner@db.example.com/app',
    ...extra,
  });
  const noNeon = { api: async (): Promise<NeonApi> => assert.fail('the Neon API is not used for this connection') };

  it('has none for a plain Postgres URL', () => {
    assert.equal(providerRegistryOf(connection({}), noNeon), undefined);
  });

  it('registers on the playground for the authenticated and anonymous roles, and keeps its own key set', async () => {
    const added: unknown[] = [];
    const removed: string[] = [];
    const playground = {
      listProviders: () => [registration('playground')],
      addProvider: (input: { providerName: string }) => (added.push(input), registration(input.providerName)),
      removeProvider: (id: string) => (removed.push(id), true),
    } as unknown as Playground;
    const registry = providerRegistryOf(connection({ kind: 'playground', playground }), noNeon)!;
    assert.equal(registry.where, 'the playground');
    assert.deepEqual((await registry.list()).map((p) => p.id), ['playground']);
    await registry.add({ jwksUrl: 'https://stack.example.com/jwks.json', providerName: 'stack', audience: 'app' });
    assert.deepEqual(added, [{ jwksUrl: 'https://stack.example.com/jwks.json', providerName: 'stack', audience: 'app', roleNames: ['authenticated', 'anonymous'] }]);
    await assert.rejects(registry.remove('playground'), /built in and cannot be removed/);
    assert.equal(await registry.remove('stack'), true);
    assert.deepEqual(removed, ['stack']);
  });

  it('registers on the Neon project through the API', async () => {
    const calls: unknown[] = [];
    const jwks = { id: 'j1', provider_name: 'Stack Auth', jwks_url: 'https://api.stack-auth.com/jwks.json', role_names: ['authenticated'] };
    const api = {
      listJwks: async (projectId: string) => (calls.push(['list', projectId]), [jwks, { ...jwks, id: 'j2', jwt_audience: 'aud-2', role_names: undefined }]),
      addJwks: async (projectId: string, request: unknown) => (calls.push(['add', projectId, request]), { jwks, operations: [] }),
      deleteJwks: async (projectId: string, id: string) => (calls.push(['delete', projectId, id]), jwks),
    } as unknown as NeonApi;
    const neon = { projectId: 'shiny-wind-028834', branchId: 'br-1', databaseName: 'neondb' };
    const registry = providerRegistryOf(connection({ kind: 'neon', neon }), { api: async () => api })!;
    assert.equal(registry.where, 'Neon project shiny-wind-028834');
    assert.deepEqual(await registry.list(), [
      { id: 'j1', providerName: 'Stack Auth', jwksUrl: 'https://api.stack-auth.com/jwks.json', roleNames: ['authenticated'] },
      { id: 'j2', providerName: 'Stack Auth', jwksUrl: 'https://api.stack-auth.com/jwks.json', audience: 'aud-2', roleNames: [] },
    ]);
    assert.equal((await registry.add({ jwksUrl: jwks.jwks_url, providerName: 'Stack Auth' })).id, 'j1');
    assert.equal(await registry.remove('j1'), true);
    assert.deepEqual(calls, [
      ['list', 'shiny-wind-028834'],
      ['add', 'shiny-wind-028834', { jwksUrl: jwks.jwks_url, providerName: 'Stack Auth', jwtAudience: undefined, roleNames: ['authenticated', 'anonymous'] }],
      ['delete', 'shiny-wind-028834', 'j1'],
    ]);
  });
});
