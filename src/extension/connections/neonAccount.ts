/**
 * The Neon account: the API key lives in VS Code's SecretStorage (never in settings or logs), the API
 * base URL in the `neonAuthorize.neonApiBaseUrl` setting (tests and enterprise installs point it
 * elsewhere). The API client loads on first use.
 */
import * as vscode from 'vscode';
import type { NeonApi } from '../../core/neonApi';

export const NEON_API_KEY_SECRET = 'neonAuthorize.neonApiKey';
export const NEON_API_BASE_URL_SETTING = 'neonApiBaseUrl';
const DEFAULT_BASE_URL = 'https://console.neon.tech/api/v2';

/** The command needs a Neon account first (no API key stored). */
export class NeonAccountRequiredError extends Error {
  override readonly name = 'NeonAccountRequiredError';
}

export class NeonAccount {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    /** Request lines (method, path, status); the API client removes the key from them. */
    private readonly log: (line: string) => void,
  ) {}

  baseUrl(): string {
    const configured = vscode.workspace.getConfiguration('neonAuthorize').get<string>(NEON_API_BASE_URL_SETTING);
    return configured && configured.trim() !== '' ? configured.trim() : DEFAULT_BASE_URL;
  }

  async hasApiKey(): Promise<boolean> {
    return Boolean(await this.secrets.get(NEON_API_KEY_SECRET));
  }

  /** A client for `apiKey`, or for the stored key; throws NeonAccountRequiredError when there is none. */
  async api(apiKey?: string): Promise<NeonApi> {
    const key = apiKey ?? (await this.secrets.get(NEON_API_KEY_SECRET));
    if (!key) {
      throw new NeonAccountRequiredError(
        'No Neon account is connected: run "Neon Authorize: Connect Neon Account" with an API key from the Neon Console (Account settings → API keys).',
      );
    }
    const { createNeonApi } = await import('../../core/neonApi');
    return createNeonApi({ apiKey: key, baseURL: this.baseUrl(), log: this.log });
  }

  /** Stores a key the API accepted. */
  async storeApiKey(apiKey: string): Promise<void> {
    await this.secrets.store(NEON_API_KEY_SECRET, apiKey.trim());
  }

  async signOut(): Promise<boolean> {
    const had = await this.hasApiKey();
    await this.secrets.delete(NEON_API_KEY_SECRET);
    return had;
  }
}
