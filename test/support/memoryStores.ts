// In-memory workspaceState and SecretStorage for running the Run-as-User host outside VS Code.
import type { KeyValueState, SecretStore } from '../../src/extension/runAsUser/storage';

export class MemoryState implements KeyValueState {
  private readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    // A copy, as VS Code's Memento returns a deserialized value.
    const v = this.values.get(key);
    return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
  /** Everything stored, as it would be written to disk. */
  dump(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}

export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}
