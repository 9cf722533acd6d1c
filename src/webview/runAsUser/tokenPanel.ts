// The token side of the panel: where the user side's JWT comes from (pasted, a saved persona, a freshly
// minted one, or none), and the inspector that shows what is inside it and what Neon would say.
import type { ClaimRow, FixButton, PersonaDraft, RunPath, SavedPersona, SigningKeySource, TokenInspection, TokenSource } from '../../core/runAsUserProtocol/messages';
import { button, clear, el, icon, uniqueId } from './dom';
import { HostRequestError, type HostConnection } from './hostConnection';
import type { Reporter } from './status';

export type TokenMode = 'pasted' | 'persona' | 'anonymous';

/** What the panel remembers between reloads: never a token or a private key. */
export interface TokenPanelState {
  mode: TokenMode;
  personaId?: string;
  draft?: { name: string; sub: string; role: string; expiresIn: string; extraClaims: string; keyKind: 'playground' | 'private-key'; kid: string; alg: 'ES256' | 'RS256' };
}

interface Deps {
  host: HostConnection;
  currentPath(): RunPath;
  report: Reporter;
  saveState(): void;
}

const INSPECT_DELAY_MS = 350;

export class TokenPanel {
  readonly element: HTMLElement;
  readonly inspector: TokenInspector;
  private mode: TokenMode = 'anonymous';
  private personas: SavedPersona[] = [];
  private playgroundKey = true;
  private editingId: string | undefined;
  private inspectTimer = 0;
  private inspectSeq = 0;

  private readonly modeInputs: Record<TokenMode, HTMLInputElement>;
  private readonly pasteArea: HTMLTextAreaElement;
  private readonly pasteGroup: HTMLElement;
  private readonly personaGroup: HTMLElement;
  private readonly anonymousGroup: HTMLElement;
  private readonly personaSelect: HTMLSelectElement;
  private readonly personaButtons: HTMLButtonElement[];
  private readonly form: MintForm;

  constructor(private readonly deps: Deps) {
    const group = uniqueId('token-mode');
    const radio = (mode: TokenMode, label: string, iconName: string) => {
      const input = el('input', { type: 'radio', name: group, value: mode, id: `${group}-${mode}` });
      input.addEventListener('change', () => input.checked && this.setMode(mode, true));
      return { input, label: el('label', { for: input.id, class: 'segment' }, input, icon(iconName), el('span', { text: label })) };
    };
    const pasted = radio('pasted', 'Paste a token', 'key');
    const persona = radio('persona', 'Persona', 'person');
    const anonymous = radio('anonymous', 'Anonymous', 'circle-slash');
    this.modeInputs = { pasted: pasted.input, persona: persona.input, anonymous: anonymous.input };

    this.pasteArea = el('textarea', {
      id: 'token-input',
      class: 'token-input mono',
      rows: 3,
      spellcheck: 'false',
      autocomplete: 'off',
      placeholder: 'eyJhbGciOiJFUzI1NiIsImtpZCI6…',
      'aria-label': 'JWT to run the statement with',
    });
    this.pasteArea.addEventListener('input', () => this.scheduleInspect());
    this.pasteGroup = el('div', { class: 'token-group' }, this.pasteArea);

    this.personaSelect = el('select', { id: 'persona-select', 'aria-label': 'Saved persona' });
    this.personaSelect.addEventListener('change', () => {
      this.deps.saveState();
      this.inspectNow();
    });
    this.personaButtons = [
      button('Edit persona', { icon: 'edit', kind: 'icon', onClick: () => this.editSelected() }),
      button('Delete persona', { icon: 'trash', kind: 'icon', onClick: () => void this.deleteSelected() }),
    ];
    this.personaGroup = el(
      'div',
      { class: 'token-group' },
      el('div', { class: 'row' }, this.personaSelect, ...this.personaButtons),
    );
    this.anonymousGroup = el(
      'div',
      { class: 'token-group muted' },
      el('p', { text: 'No token: the statement runs as the anonymous role, and auth.user_id() is NULL.' }),
    );

    this.form = new MintForm({
      mint: (draft) => this.mint(draft),
      save: (draft) => this.save(draft),
      cancel: () => this.closeForm(),
      changed: () => this.deps.saveState(),
    });

    const newPersona = button('New persona…', { icon: 'add', onClick: () => this.openForm() });
    this.inspector = new TokenInspector();
    this.element = el(
      'section',
      { class: 'card token-card', 'aria-labelledby': 'token-heading' },
      el('div', { class: 'card-head' }, el('h2', { id: 'token-heading', text: 'Token' }), newPersona),
      el('div', { class: 'segments', role: 'radiogroup', 'aria-label': 'Where the token comes from' }, pasted.label, persona.label, anonymous.label),
      this.pasteGroup,
      this.personaGroup,
      this.anonymousGroup,
      this.form.element,
    );
    this.setMode('anonymous', false);
  }

  /** The token source for a run, or what the user must do first. */
  tokenSource(): TokenSource | { problem: string } {
    switch (this.mode) {
      case 'pasted': {
        const token = this.pasteArea.value.trim();
        return token ? { kind: 'pasted', token } : { problem: 'Paste a token first, or choose a persona or Anonymous.' };
      }
      case 'persona': {
        const personaId = this.personaSelect.value;
        return personaId ? { kind: 'persona', personaId } : { problem: 'Choose a saved persona first, or create one with "New persona…".' };
      }
      case 'anonymous':
        return { kind: 'anonymous' };
    }
  }

  /** Who a run will be as, for titles: "alice", "pasted token", "anonymous". */
  identityHint(): string {
    if (this.mode === 'anonymous') return 'anonymous';
    if (this.mode === 'persona') return this.personas.find((p) => p.id === this.personaSelect.value)?.name ?? 'persona';
    return 'pasted token';
  }

  setPersonas(personas: SavedPersona[], keepSelection = this.personaSelect.value): void {
    this.personas = personas;
    clear(this.personaSelect);
    if (personas.length === 0) this.personaSelect.appendChild(el('option', { value: '', text: 'No saved personas yet' }));
    for (const p of personas) {
      const summary = [p.sub ? `sub ${p.sub}` : 'no sub', p.role ? `role ${p.role}` : 'no role', p.keySource.kind === 'playground' ? 'playground key' : p.keySource.label].join(', ');
      this.personaSelect.appendChild(el('option', { value: p.id, text: `${p.name || p.sub || p.id} (${summary})` }));
    }
    if (personas.some((p) => p.id === keepSelection)) this.personaSelect.value = keepSelection;
    for (const b of this.personaButtons) b.disabled = personas.length === 0;
  }

  setPlaygroundKeyAvailable(available: boolean): void {
    this.playgroundKey = available;
    this.form.setPlaygroundKeyAvailable(available);
  }

  state(): TokenPanelState {
    return { mode: this.mode, personaId: this.personaSelect.value || undefined, draft: this.form.isOpen() ? this.form.rememberable() : undefined };
  }

  restore(state: TokenPanelState | undefined): void {
    if (!state) return;
    if (state.personaId) {
      this.setPersonas(this.personas, state.personaId);
    }
    this.setMode(state.mode, false);
    if (state.draft) {
      this.form.fill(state.draft);
      this.form.open();
    }
  }

  setMode(mode: TokenMode, user: boolean): void {
    this.mode = mode;
    this.modeInputs[mode].checked = true;
    this.pasteGroup.hidden = mode !== 'pasted';
    this.personaGroup.hidden = mode !== 'persona';
    this.anonymousGroup.hidden = mode !== 'anonymous';
    if (user) {
      this.deps.saveState();
      if (mode === 'pasted') this.pasteArea.focus();
    }
    this.inspectNow();
  }

  /** Re-inspects the current token (the path decides which JWKS it is checked against). */
  inspectNow(): void {
    window.clearTimeout(this.inspectTimer);
    this.inspectTimer = 0;
    const source = this.tokenSource();
    const seq = ++this.inspectSeq;
    if ('problem' in source) {
      this.inspector.showEmpty(this.mode === 'pasted' ? 'Paste a token to see its header, claims and what Neon would say about it.' : 'Choose a persona to see its token.');
      return;
    }
    if (source.kind === 'anonymous') {
      this.inspector.showAnonymous();
      return;
    }
    this.inspector.showPending();
    this.deps.host
      .request('inspectToken', { token: source, path: this.deps.currentPath() })
      .then((inspection) => seq === this.inspectSeq && this.inspector.show(inspection))
      .catch((e: unknown) => seq === this.inspectSeq && this.inspector.showFailure(errorText(e)));
  }

  private scheduleInspect(): void {
    window.clearTimeout(this.inspectTimer);
    this.inspectTimer = window.setTimeout(() => this.inspectNow(), INSPECT_DELAY_MS);
  }

  private openForm(persona?: SavedPersona): void {
    this.editingId = persona?.id;
    this.form.fill(
      persona
        ? { name: persona.name, sub: persona.sub, role: persona.role, expiresIn: persona.expiresIn, extraClaims: persona.extraClaims, keyKind: persona.keySource.kind, kid: '', alg: 'ES256' }
        : { name: '', sub: '', role: 'authenticated', expiresIn: '1h', extraClaims: '{}', keyKind: this.playgroundKey ? 'playground' : 'private-key', kid: '', alg: 'ES256' },
    );
    this.form.setEditing(persona?.keySource.kind === 'private-key' ? persona.keySource.label : undefined, persona?.id);
    this.form.open();
    this.deps.saveState();
  }

  private closeForm(): void {
    this.editingId = undefined;
    this.form.close();
    this.deps.saveState();
  }

  private editSelected(): void {
    const persona = this.personas.find((p) => p.id === this.personaSelect.value);
    if (persona) this.openForm(persona);
  }

  private async deleteSelected(): Promise<void> {
    const persona = this.personas.find((p) => p.id === this.personaSelect.value);
    if (!persona) return;
    try {
      const { deleted } = await this.deps.host.request('deletePersona', { personaId: persona.id });
      if (deleted) {
        this.setPersonas(this.personas.filter((p) => p.id !== persona.id));
        this.deps.report('info', `Deleted persona ${persona.name || persona.sub}.`);
        this.inspectNow();
      }
    } catch (e) {
      this.deps.report('error', `Could not delete the persona: ${errorText(e)}`, fixesOf(e));
    }
  }

  private async mint(draft: PersonaDraft): Promise<void> {
    try {
      const { token, inspection } = await this.deps.host.request('mintToken', { persona: draft });
      this.pasteArea.value = token;
      this.setMode('pasted', false);
      window.clearTimeout(this.inspectTimer);
      ++this.inspectSeq;
      this.inspector.show(inspection);
      this.deps.saveState();
      this.deps.report('info', `Minted a token for ${draft.sub || 'a user without sub'}; the next run uses it.`);
    } catch (e) {
      this.deps.report('error', `Could not mint the token: ${errorText(e)}`, fixesOf(e));
    }
  }

  private async save(draft: PersonaDraft): Promise<void> {
    try {
      const { persona } = await this.deps.host.request('savePersona', { persona: draft, ...(this.editingId ? { replaceId: this.editingId } : {}) });
      const others = this.personas.filter((p) => p.id !== persona.id && p.id !== this.editingId);
      this.setPersonas([...others, persona], persona.id);
      this.closeForm();
      this.setMode('persona', false);
      this.deps.saveState();
      this.deps.report('info', `Saved persona ${persona.name || persona.sub}.`);
    } catch (e) {
      this.deps.report('error', `Could not save the persona: ${errorText(e)}`, fixesOf(e));
    }
  }
}

type DraftFields = NonNullable<TokenPanelState['draft']>;

/** The "New persona" form: claims and the signing key for a token the extension mints. */
class MintForm {
  readonly element: HTMLElement;
  private readonly inputs: { name: HTMLInputElement; sub: HTMLInputElement; role: HTMLInputElement; expiresIn: HTMLInputElement; kid: HTMLInputElement };
  private readonly extraClaims: HTMLTextAreaElement;
  private readonly claimsError: HTMLElement;
  private readonly keyKind: HTMLSelectElement;
  private readonly alg: HTMLSelectElement;
  private readonly keyArea: HTMLTextAreaElement;
  private readonly keyGroup: HTMLElement;
  private readonly keyNote: HTMLElement;
  private readonly heading: HTMLElement;
  private savedKeyLabel: string | undefined;
  private editingId: string | undefined;

  constructor(
    private readonly actions: { mint(d: PersonaDraft): Promise<void>; save(d: PersonaDraft): Promise<void>; cancel(): void; changed(): void },
  ) {
    const field = (id: string, label: string, attrs: Record<string, string>) => {
      const input = el('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs });
      input.addEventListener('input', () => this.actions.changed());
      return { input, wrap: el('label', { class: 'field', for: id }, el('span', { class: 'field-label', text: label }), input) };
    };
    const name = field('persona-name', 'Name', { placeholder: 'alice' });
    const sub = field('persona-sub', 'sub (user id)', { placeholder: 'user_2alice…' });
    const role = field('persona-role', 'role claim', { placeholder: 'authenticated' });
    const expiresIn = field('persona-exp', 'Expires in', { placeholder: '1h', title: 'A time span: 30m, 1h, 7d, or seconds' });
    const kid = field('persona-kid', 'kid (optional)', { placeholder: 'from the JWK when empty' });
    this.inputs = { name: name.input, sub: sub.input, role: role.input, expiresIn: expiresIn.input, kid: kid.input };

    this.claimsError = el('p', { class: 'field-error', id: 'persona-claims-error', role: 'alert' });
    this.claimsError.hidden = true;
    this.extraClaims = el('textarea', { id: 'persona-claims', class: 'mono', rows: 3, spellcheck: 'false', 'aria-describedby': 'persona-claims-error' });
    this.extraClaims.addEventListener('input', () => {
      this.claimsError.hidden = true;
      this.extraClaims.removeAttribute('aria-invalid');
      this.actions.changed();
    });

    this.keyKind = el('select', { id: 'persona-key-kind' }, el('option', { value: 'playground', text: 'Playground key' }), el('option', { value: 'private-key', text: 'My private key (PEM or JWK)' }));
    this.keyKind.addEventListener('change', () => {
      this.syncKeyGroup();
      this.actions.changed();
    });
    this.alg = el('select', { id: 'persona-alg', 'aria-label': 'Signing algorithm' }, el('option', { value: 'ES256', text: 'ES256' }), el('option', { value: 'RS256', text: 'RS256' }));
    this.keyArea = el('textarea', { id: 'persona-key', class: 'mono', rows: 3, spellcheck: 'false', autocomplete: 'off', placeholder: '-----BEGIN PRIVATE KEY----- … or {"kty":"EC",…,"d":…}', 'aria-label': 'Private key, PEM or JWK' });
    this.keyNote = el('p', { class: 'muted small' });
    this.keyGroup = el('div', { class: 'key-group' }, this.keyArea, el('div', { class: 'row' }, kid.wrap, el('label', { class: 'field', for: 'persona-alg' }, el('span', { class: 'field-label', text: 'alg' }), this.alg)), this.keyNote);

    this.heading = el('h3', { text: 'New persona' });
    this.element = el(
      'form',
      { class: 'mint-form', 'aria-label': 'Mint a token' },
      this.heading,
      el('div', { class: 'form-grid' }, name.wrap, sub.wrap, role.wrap, expiresIn.wrap),
      el('label', { class: 'field', for: 'persona-claims' }, el('span', { class: 'field-label', text: 'Extra claims (JSON object)' }), this.extraClaims),
      this.claimsError,
      el('label', { class: 'field', for: 'persona-key-kind' }, el('span', { class: 'field-label', text: 'Signing key' }), this.keyKind),
      this.keyGroup,
      el(
        'div',
        { class: 'row actions' },
        button('Mint and use', { icon: 'zap', kind: 'primary', onClick: () => this.submit('mint') }),
        button('Save persona', { icon: 'save', onClick: () => this.submit('save') }),
        button('Cancel', { onClick: () => this.actions.cancel() }),
      ),
    );
    this.element.addEventListener('submit', (e) => e.preventDefault());
    this.element.hidden = true;
  }

  isOpen(): boolean {
    return !this.element.hidden;
  }

  open(): void {
    this.element.hidden = false;
    this.inputs.name.focus();
  }

  close(): void {
    this.element.hidden = true;
    this.keyArea.value = '';
  }

  setEditing(savedKeyLabel: string | undefined, editingId: string | undefined): void {
    this.savedKeyLabel = savedKeyLabel;
    this.editingId = editingId;
    this.heading.textContent = editingId ? 'Edit persona' : 'New persona';
    this.syncKeyGroup();
  }

  setPlaygroundKeyAvailable(available: boolean): void {
    const option = this.keyKind.querySelector<HTMLOptionElement>('option[value="playground"]')!;
    option.disabled = !available;
    option.textContent = available ? 'Playground key' : 'Playground key (start the playground first)';
    if (!available && this.keyKind.value === 'playground') {
      this.keyKind.value = 'private-key';
      this.syncKeyGroup();
    }
  }

  fill(d: DraftFields): void {
    this.inputs.name.value = d.name;
    this.inputs.sub.value = d.sub;
    this.inputs.role.value = d.role;
    this.inputs.expiresIn.value = d.expiresIn;
    this.inputs.kid.value = d.kid;
    this.extraClaims.value = d.extraClaims;
    this.keyKind.value = d.keyKind;
    this.alg.value = d.alg;
    this.keyArea.value = '';
    this.claimsError.hidden = true;
    this.syncKeyGroup();
  }

  /** The form's fields without the private key, for the webview state. */
  rememberable(): DraftFields {
    return {
      name: this.inputs.name.value,
      sub: this.inputs.sub.value,
      role: this.inputs.role.value,
      expiresIn: this.inputs.expiresIn.value,
      extraClaims: this.extraClaims.value,
      keyKind: this.keyKind.value === 'private-key' ? 'private-key' : 'playground',
      kid: this.inputs.kid.value,
      alg: this.alg.value === 'RS256' ? 'RS256' : 'ES256',
    };
  }

  private syncKeyGroup(): void {
    const isPrivate = this.keyKind.value === 'private-key';
    this.keyGroup.hidden = !isPrivate;
    this.keyNote.textContent = this.savedKeyLabel
      ? `Saved with ${this.savedKeyLabel}; leave the key empty to keep it.`
      : 'The key goes to the extension, which keeps it in VS Code\'s secret storage; this panel does not keep it.';
  }

  private async submit(what: 'mint' | 'save'): Promise<void> {
    const draft = this.draft();
    if (!draft) return;
    await (what === 'mint' ? this.actions.mint(draft) : this.actions.save(draft));
  }

  private draft(): PersonaDraft | undefined {
    const claimsText = this.extraClaims.value.trim() || '{}';
    let parsed: unknown;
    try {
      parsed = JSON.parse(claimsText);
    } catch (e) {
      return this.claimsProblem(`Extra claims are not valid JSON: ${(e as Error).message}.`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return this.claimsProblem('Extra claims must be a JSON object, like {"org_id": "acme"}.');
    const d = this.rememberable();
    let keySource: SigningKeySource;
    if (d.keyKind === 'playground') keySource = { kind: 'playground' };
    else {
      const key = this.keyArea.value.trim();
      const extras = { alg: d.alg, ...(d.kid ? { kid: d.kid } : {}) };
      if (key) keySource = { kind: 'private-key', key, ...extras };
      // Editing a persona saved with a key: the host reuses the key it stored for it.
      else if (this.editingId && this.savedKeyLabel) keySource = { kind: 'stored-key', personaId: this.editingId, ...extras };
      else {
        this.keyArea.setAttribute('aria-invalid', 'true');
        this.keyArea.focus();
        this.keyNote.textContent = 'Paste the private key (PKCS#8 PEM or a private JWK) that signs the token.';
        return undefined;
      }
    }
    this.keyArea.removeAttribute('aria-invalid');
    return { name: d.name.trim(), sub: d.sub.trim(), role: d.role.trim(), expiresIn: d.expiresIn.trim() || '1h', extraClaims: claimsText, keySource };
  }

  private claimsProblem(message: string): undefined {
    this.claimsError.textContent = message;
    this.claimsError.hidden = false;
    this.extraClaims.setAttribute('aria-invalid', 'true');
    this.extraClaims.focus();
    return undefined;
  }
}

/** Header and claims as tables, readable times, a live expiry countdown, verification and warnings. */
export class TokenInspector {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly countdown: HTMLElement;
  private expiresAt: number | null = null;
  private timer = 0;

  constructor() {
    this.countdown = el('p', { class: 'expiry', id: 'token-expiry' });
    this.body = el('div', { class: 'inspector-body', 'aria-live': 'polite' });
    this.element = el(
      'section',
      { class: 'card inspector', 'aria-labelledby': 'inspector-heading' },
      el('div', { class: 'card-head' }, el('h2', { id: 'inspector-heading', text: 'Token inspector' })),
      this.body,
    );
  }

  showEmpty(message: string): void {
    this.stopCountdown();
    this.body.replaceChildren(el('p', { class: 'muted', text: message }));
  }

  showAnonymous(): void {
    this.stopCountdown();
    this.body.replaceChildren(
      el('p', {}, icon('circle-slash'), ' ', el('span', { text: 'Anonymous: no token is sent. Policies see auth.user_id() as NULL and the role as anonymous.' })),
    );
  }

  showPending(): void {
    this.body.replaceChildren(el('p', { class: 'muted' }, el('span', { class: 'codicon codicon-loading codicon-modifier-spin', 'aria-hidden': 'true' }), ' Inspecting the token…'));
  }

  showFailure(message: string): void {
    this.stopCountdown();
    this.body.replaceChildren(el('p', { class: 'status-error' }, icon('error', 'Error'), ' ', el('span', { text: message })));
  }

  show(inspection: TokenInspection): void {
    const v = inspection.verification;
    const verificationIcon = v.status === 'verified' ? 'pass' : v.status === 'failed' ? 'error' : 'question';
    const verificationWord = v.status === 'verified' ? 'Verified' : v.status === 'failed' ? 'Not verified' : 'Not checked';
    const verification = el(
      'p',
      { class: `verification verification-${v.status}` },
      icon(verificationIcon),
      el('strong', { text: `${verificationWord}: ` }),
      el('span', { class: 'verification-message', text: v.message }),
    );
    const warnings = inspection.warnings.length
      ? el(
          'ul',
          { class: 'warnings', 'aria-label': 'Warnings' },
          ...inspection.warnings.map((w) =>
            el(
              'li',
              { class: `warning warning-${w.level}`, 'data-code': w.code },
              icon(w.level === 'error' ? 'error' : w.level === 'warning' ? 'warning' : 'info', w.level),
              el('span', { class: 'warning-message', text: w.message }),
              el('code', { class: 'warning-code', text: w.code }),
            ),
          ),
        )
      : el('p', { class: 'muted small', text: 'No warnings.' });
    this.body.replaceChildren(verification, this.countdown, warnings, claimsTable('Header', inspection.header), claimsTable('Claims', inspection.claims));
    this.expiresAt = inspection.expiresAt;
    this.tick();
    window.clearInterval(this.timer);
    this.timer = this.expiresAt === null ? 0 : window.setInterval(() => this.tick(), 1000);
  }

  private stopCountdown(): void {
    window.clearInterval(this.timer);
    this.timer = 0;
    this.expiresAt = null;
  }

  private tick(): void {
    if (this.expiresAt === null) {
      this.countdown.className = 'expiry expiry-none';
      this.countdown.textContent = 'No exp claim: the token never expires.';
      return;
    }
    const left = Math.round(this.expiresAt - Date.now() / 1000);
    this.countdown.className = left > 0 ? (left < 300 ? 'expiry expiry-soon' : 'expiry') : 'expiry expiry-past';
    this.countdown.textContent = left > 0 ? `Expires in ${formatSpan(left)}` : `Expired ${formatSpan(-left)} ago`;
  }
}

function claimsTable(caption: string, rows: ClaimRow[]): HTMLTableElement {
  return el(
    'table',
    { class: 'claims' },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Name' }), el('th', { scope: 'col', text: 'Value' }), el('th', { scope: 'col', text: 'Meaning' }))),
    el(
      'tbody',
      {},
      ...rows.map((r) => el('tr', {}, el('th', { scope: 'row', class: 'mono', text: r.name }), el('td', { class: 'mono claim-value', text: r.value }), el('td', { class: 'claim-readable', text: r.readable ?? '' }))),
    ),
  );
}

/** "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h". */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The fixes the host offered with a failed request. */
export function fixesOf(e: unknown): readonly FixButton[] {
  return e instanceof HostRequestError ? e.fixes : [];
}
