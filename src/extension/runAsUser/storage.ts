// The two stores the panel keeps per workspace, as narrow interfaces so the host runs (and is tested)
// outside VS Code: `vscode.Memento` (workspaceState) and `vscode.SecretStorage` satisfy them.

/** workspaceState: metadata only; nothing secret is ever written here. */
export interface KeyValueState {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** SecretStorage: private signing keys, by persona id. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** Keys of everything the Run-as-User host keeps in workspaceState. */
export const STATE_KEYS = {
  personas: 'neonAuthorize.runAsUser.personas',
  startersOffered: 'neonAuthorize.runAsUser.startersOffered',
  history: 'neonAuthorize.runAsUser.sqlHistory',
  lastSql: 'neonAuthorize.runAsUser.lastSql',
} as const;

/** SecretStorage key of a persona's private key. */
export const personaSecretKey = (personaId: string) => `neonAuthorize.runAsUser.personaKey.${personaId}`;
