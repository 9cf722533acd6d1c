// The one ledger of writes waiting for the user's go-ahead. A confirmation id is issued for exactly one
// statement, path and identity (its fingerprint); it expires, and it confirms at most one run, so a
// confirmed write runs exactly once.
import { randomUUID } from 'node:crypto';

/** How long a write confirmation stays valid. */
export const CONFIRMATION_TTL_MS = 10 * 60 * 1000;

/** What a confirmation id is worth for a run: `confirmed` runs it; `unknown` (never issued here, or long
 *  gone) asks again; `used-or-expired` and `changed` (issued for another statement, path or identity)
 *  refuse, and nothing runs. */
export type ConfirmationCheck = 'confirmed' | 'unknown' | 'used-or-expired' | 'changed';

interface Pending {
  fingerprint: string;
  expiresAt: number;
  used: boolean;
}

export class WriteConfirmations {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly ttlMs = CONFIRMATION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new confirmation id for the write with this fingerprint. */
  issue(fingerprint: string): string {
    this.prune();
    const id = randomUUID();
    this.pending.set(id, { fingerprint, expiresAt: this.now() + this.ttlMs, used: false });
    return id;
  }

  /** Uses up `id` for the write with this fingerprint: any attempt uses it, whatever the answer. */
  take(id: string, fingerprint: string): ConfirmationCheck {
    this.prune();
    const entry = this.pending.get(id);
    if (!entry) return 'unknown';
    if (entry.used || entry.expiresAt < this.now()) return 'used-or-expired';
    entry.used = true;
    return entry.fingerprint === fingerprint ? 'confirmed' : 'changed';
  }

  clear(): void {
    this.pending.clear();
  }

  /** Used and expired ids are kept one more period, so that reusing one says so instead of asking again. */
  private prune(): void {
    const now = this.now();
    for (const [id, entry] of this.pending) if (entry.expiresAt + this.ttlMs < now) this.pending.delete(id);
  }
}
