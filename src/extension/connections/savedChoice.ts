/**
 * The connection chosen in this workspace, remembered in its workspaceState so the next session
 * reconnects to it. What is remembered holds no secret: the password of a URL entered by hand goes to
 * SecretStorage, under a key made of the URL without it.
 */
import type * as vscode from 'vscode';
import { assertNoSecretsInSettings, joinConnectionSecret, splitConnectionSecret } from '../../core/connections';

/** What the user chose. */
export type ConnectionChoice =
  | { kind: 'playground' }
  /** `directory`: absolute path of the folder holding the .env files. */
  | { kind: 'env'; directory: string }
  | ManualChoice
  | NeonChoice;

export interface ManualChoice {
  kind: 'manual';
  ownerUrl: string;
  authenticatedUrl?: string;
  anonymousUrl?: string;
}

export interface NeonChoice {
  kind: 'neon';
  projectId: string;
  branchId: string;
  databaseName: string;
  /** Default: the database's owner. */
  roleName?: string;
  projectName?: string;
  branchName?: string;
}

export interface SavedChoice {
  /** The choice remembered for this workspace, if any. */
  get(): ConnectionChoice | undefined;
  /** `choice` as it may be remembered: the passwords (and other secret parameters) of URLs entered by hand move to SecretStorage. */
  withoutSecrets(choice: ConnectionChoice): Promise<ConnectionChoice>;
  /** A choice withoutSecrets() returned, with its URLs' secrets back from SecretStorage. */
  withPasswords(choice: ManualChoice): Promise<ManualChoice>;
  /** Remembers a choice withoutSecrets() returned. */
  save(choice: ConnectionChoice): Promise<void>;
  forget(): Promise<void>;
}

const CHOICE_KEY = 'neonAuthorize.connection';
const PASSWORD_KEY_PREFIX = 'neonAuthorize.password:';
/** The URL's other secret query parameters (`sslpassword=…`), `&`-joined as written. */
const SECRET_PARAMS_KEY_PREFIX = 'neonAuthorize.secretParams:';

export function createSavedChoice(context: {
  workspaceState: Pick<vscode.Memento, 'get' | 'update'>;
  secrets: Pick<vscode.SecretStorage, 'get' | 'store'>;
}): SavedChoice {
  const passwordKey = (urlWithoutPassword: string) => `${PASSWORD_KEY_PREFIX}${urlWithoutPassword}`;

  const secretParamsKey = (urlWithoutSecrets: string) => `${SECRET_PARAMS_KEY_PREFIX}${urlWithoutSecrets}`;

  /** Moves a URL's password and other secrets to SecretStorage; returns the URL without them. */
  async function storePassword(url: string): Promise<string> {
    const { url: bare, password, secretParams } = splitConnectionSecret(url.trim());
    if (password) await context.secrets.store(passwordKey(bare), password);
    if (secretParams) await context.secrets.store(secretParamsKey(bare), secretParams.join('&'));
    return bare;
  }

  async function restorePassword(bare: string): Promise<string> {
    const secretParams = (await context.secrets.get(secretParamsKey(bare)))?.split('&').filter((p) => p !== '');
    return joinConnectionSecret(bare, await context.secrets.get(passwordKey(bare)), secretParams);
  }

  /** Applies `map` to each URL of a manual choice. */
  async function mapUrls(choice: ManualChoice, map: (url: string) => Promise<string>): Promise<ManualChoice> {
    return {
      kind: 'manual',
      ownerUrl: await map(choice.ownerUrl),
      ...(choice.authenticatedUrl ? { authenticatedUrl: await map(choice.authenticatedUrl) } : {}),
      ...(choice.anonymousUrl ? { anonymousUrl: await map(choice.anonymousUrl) } : {}),
    };
  }

  return {
    get: () => context.workspaceState.get<ConnectionChoice>(CHOICE_KEY),
    async withoutSecrets(choice) {
      const safe = choice.kind === 'manual' ? await mapUrls(choice, storePassword) : choice;
      assertNoSecretsInSettings(safe);
      return safe;
    },
    withPasswords: (choice) => mapUrls(choice, restorePassword),
    save: async (choice) => context.workspaceState.update(CHOICE_KEY, choice),
    forget: async () => context.workspaceState.update(CHOICE_KEY, undefined),
  };
}
