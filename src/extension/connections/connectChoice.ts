/**
 * Turns what the user chose into the URLs to connect with: the playground's (started on first use),
 * a folder's `.env` files, URLs entered by hand (passwords back from SecretStorage), or the Neon
 * API's connection URIs for a branch's database. Opens no database connection.
 */
import { describeConnection } from '../../core/connections';
import type { NeonApi } from '../../core/neonApi';
import type { Playground } from '../../playground/playground';
import { envConnectionSet } from './envConnections';
import type { NeonAccount } from './neonAccount';
import type { PlaygroundLifecycle } from './playgroundLifecycle';
import type { ConnectionChoice, ManualChoice, NeonChoice, SavedChoice } from './savedChoice';
import type { ActiveConnection } from './types';
import { discoverWorkspaceEnv, workspaceRoot } from './workspaceEnv';

export type ConnectChoice = (choice: ConnectionChoice) => Promise<ActiveConnection>;

export function createConnectChoice(deps: {
  playground: Pick<PlaygroundLifecycle, 'start' | 'serving'>;
  savedChoice: Pick<SavedChoice, 'withPasswords'>;
  neonAccount: Pick<NeonAccount, 'api'>;
  log: (line: string) => void;
}): ConnectChoice {
  const { playground, savedChoice, neonAccount, log } = deps;

  async function envConnection(directory: string): Promise<ActiveConnection> {
    const { discovery, files } = await discoverWorkspaceEnv();
    const set = envConnectionSet(discovery, files, directory, workspaceRoot());
    for (const warning of set.warnings) log(`[.env] ${warning}`);
    const served = playground.serving(set.ownerUrl);
    return {
      kind: 'env',
      label: set.label,
      ownerUrl: set.ownerUrl,
      authenticatedUrl: set.authenticatedUrl,
      anonymousUrl: set.anonymousUrl,
      fetchEndpoint: set.fetchEndpoint ?? served?.fetchEndpoint,
      ...(served ? { playground: served } : {}),
    };
  }

  async function manualConnection(choice: ManualChoice): Promise<ActiveConnection> {
    const { ownerUrl, authenticatedUrl, anonymousUrl } = await savedChoice.withPasswords(choice);
    const served = playground.serving(ownerUrl);
    return {
      kind: 'manual',
      label: describeConnection(ownerUrl).label,
      ownerUrl,
      authenticatedUrl,
      anonymousUrl,
      ...(served ? { fetchEndpoint: served.fetchEndpoint, playground: served } : {}),
    };
  }

  return async (choice) => {
    switch (choice.kind) {
      case 'playground':
        return playgroundConnection(await playground.start());
      case 'env':
        return envConnection(choice.directory);
      case 'manual':
        return manualConnection(choice);
      case 'neon':
        return neonConnection(choice, await neonAccount.api());
    }
  };
}

function playgroundConnection(p: Playground): ActiveConnection {
  return {
    kind: 'playground',
    label: `Playground (127.0.0.1:${p.port})`,
    ownerUrl: p.ownerUrl,
    authenticatedUrl: p.authenticatedUrl,
    anonymousUrl: p.anonymousUrl,
    fetchEndpoint: p.fetchEndpoint,
    playground: p,
  };
}

async function neonConnection(choice: NeonChoice, api: NeonApi): Promise<ActiveConnection> {
  let roleName = choice.roleName;
  if (!roleName) {
    const databases = await api.listDatabases(choice.projectId, choice.branchId);
    const database = databases.find((d) => d.name === choice.databaseName);
    if (!database) {
      throw new Error(
        `Database "${choice.databaseName}" does not exist on branch ${choice.branchName ?? choice.branchId} of project ${choice.projectName ?? choice.projectId}. Run "Neon Authorize: Connect Neon Account" and pick the database again.`,
      );
    }
    roleName = database.owner_name;
  }
  const uri = (role: string) => api.getConnectionUri({ projectId: choice.projectId, branchId: choice.branchId, databaseName: choice.databaseName, roleName: role });
  const ownerUrl = await uri(roleName);
  // The authenticated/anonymous roles exist once pg_session_jwt is installed (or Neon's setup created them).
  const roles = new Set((await api.listRoles(choice.projectId, choice.branchId)).map((r) => r.name));
  const authenticatedUrl = roles.has('authenticated') ? await uri('authenticated') : undefined;
  const anonymousUrl = roles.has('anonymous') ? await uri('anonymous') : undefined;
  const place = [choice.projectName ?? choice.projectId, choice.branchName ?? choice.branchId, choice.databaseName].join(' / ');
  return {
    kind: 'neon',
    label: `Neon: ${place}`,
    ownerUrl,
    authenticatedUrl,
    anonymousUrl,
    neon: { projectId: choice.projectId, branchId: choice.branchId, databaseName: choice.databaseName },
  };
}
