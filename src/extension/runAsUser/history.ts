// SQL history per workspace: most recent first, no duplicates, capped; statements holding a secret are
// never stored (history lives in workspaceState, which is plain JSON on disk).
import { containsSecret } from '../../core/secrets';
import { STATE_KEYS, type KeyValueState } from './storage';

export const HISTORY_LIMIT = 50;
/** Longer statements (a pasted dump) are run but not remembered. */
export const HISTORY_MAX_CHARS = 20_000;

export type HistoryAddResult = 'added' | 'skipped-secret' | 'skipped-long' | 'skipped-empty';

export class SqlHistory {
  constructor(private readonly state: KeyValueState) {}

  list(): string[] {
    const stored = this.state.get<unknown>(STATE_KEYS.history);
    return Array.isArray(stored) ? stored.filter((s): s is string => typeof s === 'string') : [];
  }

  async add(sql: string): Promise<HistoryAddResult> {
    const text = sql.trim();
    if (!text) return 'skipped-empty';
    if (text.length > HISTORY_MAX_CHARS) return 'skipped-long';
    if (containsSecret(text)) return 'skipped-secret';
    const next = [text, ...this.list().filter((s) => s !== text)].slice(0, HISTORY_LIMIT);
    await this.state.update(STATE_KEYS.history, next);
    return 'added';
  }

  async clear(): Promise<void> {
    await this.state.update(STATE_KEYS.history, []);
  }

  /** The statement in the editor when the panel was last used (restored on the next open). */
  lastSql(): string {
    const s = this.state.get<unknown>(STATE_KEYS.lastSql);
    return typeof s === 'string' ? s : '';
  }

  async setLastSql(sql: string): Promise<void> {
    const text = sql.trim();
    if (text.length > HISTORY_MAX_CHARS || containsSecret(text)) return;
    await this.state.update(STATE_KEYS.lastSql, text);
  }
}
