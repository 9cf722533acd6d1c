// Personas per workspace: the claims of a test user (workspaceState) and, when the user brings one, the
// private key that signs their tokens (SecretStorage, by persona id). The panel only ever gets a label.
import { randomUUID } from 'node:crypto';
import { MintError, mintToken, parseDuration } from '../../core/jwt/mint';
import type { PersonaDraft, SavedPersona, SigningKeySource } from '../../core/runAsUserProtocol/messages';
import type { Playground } from '../../playground/playground';
import { keyLabel, readPrivateKey, type ReadPrivateKey, type StoredSigningKey } from './signingKeys';
import { personaSecretKey, STATE_KEYS, type KeyValueState, type SecretStore } from './storage';

/** The persona fields that become claims (a draft or a saved persona). */
export type PersonaClaimFields = Pick<SavedPersona, 'name' | 'sub' | 'role' | 'expiresIn' | 'extraClaims'>;

export type ResolvedSigningKey = { kind: 'playground' } | { kind: 'private-key'; key: ReadPrivateKey };

/** Offered once per workspace when the playground is the connection (two signed-in users, alice and bob, whose rows can be compared). */
export const STARTER_PERSONAS: readonly SavedPersona[] = [
  { id: 'starter-alice', name: 'alice', sub: 'alice', role: 'authenticated', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'playground' } },
  { id: 'starter-bob', name: 'bob', sub: 'bob', role: 'authenticated', expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'playground' } },
];

export interface PersonaMintOptions {
  sub?: string;
  role?: string;
  claims: Record<string, unknown>;
  expiresIn: string;
}

/** Claims and lifetime of a persona, checked: extra claims must be a JSON object, expiry a time span. */
export function personaMintOptions(fields: PersonaClaimFields): PersonaMintOptions {
  let claims: unknown;
  const text = fields.extraClaims.trim() || '{}';
  try {
    claims = JSON.parse(text);
  } catch (e) {
    throw new MintError(`The extra claims are not valid JSON (${(e as Error).message}). Write a JSON object, like {"org_id": "acme"}.`);
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw new MintError('The extra claims must be a JSON object, like {"org_id": "acme"}.');
  const expiresIn = fields.expiresIn.trim() || '1h';
  parseDuration(expiresIn); // throws a MintError that says what a valid span looks like
  const sub = fields.sub.trim();
  const role = fields.role.trim();
  return { ...(sub ? { sub } : {}), ...(role ? { role } : {}), claims: claims as Record<string, unknown>, expiresIn };
}

/** Signs a token for a persona with its key: the playground's, or the user's private key. */
export async function mintPersonaToken(fields: PersonaClaimFields, key: ResolvedSigningKey, playground: Playground | undefined): Promise<string> {
  const options = personaMintOptions(fields);
  if (key.kind === 'playground') {
    if (!playground)
      throw new MintError(
        'The playground key can only sign tokens while the playground is the connection. Switch to the playground, or give the persona your own private key (PEM or JWK).',
      );
    return playground.mint(options);
  }
  return mintToken({ privateKey: key.key.jwk, kid: key.key.kid, alg: key.key.alg, ...options });
}

function isSavedPersona(v: unknown): v is SavedPersona {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return ['id', 'name', 'sub', 'role', 'expiresIn', 'extraClaims'].every((k) => typeof p[k] === 'string') && typeof p.keySource === 'object' && p.keySource !== null;
}

export class PersonaStore {
  constructor(
    private readonly state: KeyValueState,
    private readonly secrets: SecretStore,
    private readonly newId: () => string = randomUUID,
  ) {}

  list(): SavedPersona[] {
    const stored = this.state.get<unknown>(STATE_KEYS.personas);
    return Array.isArray(stored) ? stored.filter(isSavedPersona) : [];
  }

  get(id: string): SavedPersona | undefined {
    return this.list().find((p) => p.id === id);
  }

  /** Adds alice and bob (signed by the playground key) the first time the playground is used here. */
  async offerStarters(): Promise<boolean> {
    if (this.state.get<boolean>(STATE_KEYS.startersOffered)) return false;
    const existing = this.list();
    const names = new Set(existing.map((p) => p.name));
    const add = STARTER_PERSONAS.filter((p) => !names.has(p.name) && !existing.some((e) => e.id === p.id));
    await this.state.update(STATE_KEYS.personas, [...existing, ...add]);
    await this.state.update(STATE_KEYS.startersOffered, true);
    return add.length > 0;
  }

  /** The key a draft names: the playground's, a new private key, or the one stored for a persona. */
  async resolveKey(source: SigningKeySource): Promise<ResolvedSigningKey> {
    switch (source.kind) {
      case 'playground':
        return { kind: 'playground' };
      case 'private-key':
        return { kind: 'private-key', key: await readPrivateKey(source.key, source.kid, source.alg) };
      case 'stored-key': {
        const stored = await this.storedKey(source.personaId);
        if (!stored) throw new MintError('No private key is stored for this persona any more. Paste the private key again.');
        return { kind: 'private-key', key: await readPrivateKey(stored.key, source.kid || stored.kid, source.alg ?? stored.alg) };
      }
    }
  }

  /** The signing key of a saved persona. */
  async keyOf(persona: SavedPersona): Promise<ResolvedSigningKey> {
    if (persona.keySource.kind === 'playground') return { kind: 'playground' };
    return this.resolveKey({ kind: 'stored-key', personaId: persona.id });
  }

  /**
   * Saves a draft (replacing `replaceId` when given). A private key is checked by signing a throwaway
   * token, then kept in SecretStorage; the persona itself records only its label.
   */
  async save(draft: PersonaDraft, replaceId?: string): Promise<SavedPersona> {
    if (replaceId !== undefined && !this.get(replaceId)) throw new Error('The persona being edited no longer exists; save it as a new persona.');
    const fields = { name: draft.name.trim(), sub: draft.sub.trim(), role: draft.role.trim(), expiresIn: draft.expiresIn.trim() || '1h', extraClaims: draft.extraClaims.trim() || '{}' };
    personaMintOptions({ ...fields });
    if (!fields.name && !fields.sub) throw new MintError('Give the persona a name or a sub, so you can tell it apart in the list.');
    const key = await this.resolveKey(draft.keySource);
    const id = replaceId ?? this.newId();
    let keySource: SavedPersona['keySource'];
    if (key.kind === 'private-key') {
      await mintToken({ privateKey: key.key.jwk, kid: key.key.kid, alg: key.key.alg, sub: 'key-check', expiresIn: 60 });
      const keyText = draft.keySource.kind === 'private-key' ? draft.keySource.key : (await this.storedKey((draft.keySource as { personaId: string }).personaId))!.key;
      const stored: StoredSigningKey = { key: keyText, kid: key.key.kid, alg: key.key.alg };
      await this.secrets.store(personaSecretKey(id), JSON.stringify(stored));
      keySource = { kind: 'private-key', label: keyLabel(key.key) };
    } else {
      keySource = { kind: 'playground' };
      if (replaceId !== undefined) await this.secrets.delete(personaSecretKey(id));
    }
    const persona: SavedPersona = { id, ...fields, keySource };
    const list = this.list();
    const at = list.findIndex((p) => p.id === id);
    if (at >= 0) list[at] = persona;
    else list.push(persona);
    await this.state.update(STATE_KEYS.personas, list);
    return persona;
  }

  async delete(id: string): Promise<boolean> {
    const list = this.list();
    if (!list.some((p) => p.id === id)) return false;
    await this.state.update(
      STATE_KEYS.personas,
      list.filter((p) => p.id !== id),
    );
    await this.secrets.delete(personaSecretKey(id));
    return true;
  }

  private async storedKey(personaId: string): Promise<StoredSigningKey | undefined> {
    const text = await this.secrets.get(personaSecretKey(personaId));
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as StoredSigningKey;
      return typeof parsed.key === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
}
