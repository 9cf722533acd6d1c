// The "Run as User" panel: a statement, a token and a path in; the user's rows beside the owner's out,
// with the rows RLS hid marked. Speaks only the typed protocol in core/runAsUserProtocol/.
import './main.css';
import { markHiddenRows } from '../../core/resultDiff';
import type { FixButton, HostEvent, InitState, PathOption, RunPath, RunResponse, RunResult, TokenSource } from '../../core/runAsUserProtocol/messages';
import { PackedRowsError, type PackedRowReader } from '../../core/runAsUserProtocol/packedRows';
import { button, el, icon, plural } from './dom';
import { HostConnection, type VsCodeApi } from './hostConnection';
import { ResultPane, type Banner } from './resultPane';
import { StatusLine } from './status';
import { errorText, fixesOf, TokenPanel, type TokenPanelState } from './tokenPanel';

/** Webview state kept by VS Code across reloads: UI choices and the SQL draft, never a token. */
interface PanelState {
  sql?: string;
  path?: RunPath;
  token?: TokenPanelState;
}

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

const unreadableRows = (e: PackedRowsError) => `The extension sent rows the panel cannot read (${e.message}). Run the statement again; if it persists, report it.`;

class RunAsUserPanel {
  private readonly host: HostConnection;
  private readonly status: StatusLine;
  private readonly tokens: TokenPanel;
  private readonly userPane: ResultPane;
  private readonly ownerPane: ResultPane;
  private readonly sqlArea: HTMLTextAreaElement;
  private readonly historySelect: HTMLSelectElement;
  private readonly pathSelect: HTMLSelectElement;
  private readonly pathInfo: HTMLElement;
  private readonly connectionInfo: HTMLElement;
  private readonly runButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly confirmBar: HTMLElement;
  private readonly notesEl: HTMLElement;
  private paths: PathOption[] = [];
  private history: string[] = [];
  private runningId: number | undefined;
  private initialized = false;
  private saveTimer = 0;
  /** The path chosen before a reload, preferred over the host's default when still available. */
  private savedPath: RunPath | undefined;

  constructor(private readonly api: VsCodeApi) {
    this.status = new StatusLine((action) => void this.runFix(action));
    this.host = new HostConnection(api, (message) => this.status.report('warning', message));
    this.host.onEvent((e) => this.onEvent(e));
    // Rows are decoded as they are shown, sorted, filtered or exported: a row the host packed wrongly
    // surfaces then, wherever that happens, and is reported here once in words.
    window.addEventListener('error', (e) => {
      if (e.error instanceof PackedRowsError) this.status.report('error', unreadableRows(e.error));
    });
    const report = this.status.report;

    this.pathSelect = el('select', { id: 'path-select', 'aria-describedby': 'path-info' });
    this.pathSelect.addEventListener('change', () => {
      this.showPathInfo();
      this.saveState();
      this.tokens.inspectNow();
    });
    this.pathInfo = el('p', { id: 'path-info', class: 'path-info' });
    this.connectionInfo = el('span', { id: 'connection-label', class: 'connection-label mono' });

    const shortcut = isMac ? '⌘+Enter' : 'Ctrl+Enter';
    this.runButton = button('Run', { icon: 'play', kind: 'primary', id: 'run', title: `Run as the user and as the owner (${shortcut})`, onClick: () => void this.run() });
    this.runButton.setAttribute('aria-keyshortcuts', isMac ? 'Meta+Enter' : 'Control+Enter');
    this.cancelButton = button('Cancel', { icon: 'debug-stop', id: 'cancel', onClick: () => void this.cancel() });
    this.cancelButton.hidden = true;

    this.historySelect = el('select', { id: 'history-select', 'aria-label': 'SQL history' });
    this.historySelect.addEventListener('change', () => {
      const i = Number(this.historySelect.value);
      if (this.historySelect.value !== '' && this.history[i] !== undefined) {
        this.sqlArea.value = this.history[i];
        this.saveState();
        this.sqlArea.focus();
      }
      this.historySelect.value = '';
    });
    this.sqlArea = el('textarea', { id: 'sql', class: 'sql-input mono', rows: 6, spellcheck: 'false', autocomplete: 'off', 'aria-label': 'SQL statement', placeholder: 'select * from todos' });
    this.sqlArea.addEventListener('input', () => this.saveStateSoon());

    this.tokens = new TokenPanel({ host: this.host, currentPath: () => this.selectedPath(), report, saveState: () => this.saveState() });

    this.confirmBar = el('div', { class: 'confirm-bar', role: 'alertdialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-message' });
    this.confirmBar.hidden = true;
    this.notesEl = el('ul', { class: 'notes', 'aria-label': 'Notes about this run' });
    this.notesEl.hidden = true;

    this.userPane = new ResultPane({ side: 'user', title: 'As the user', host: this.host, report, runFix: (a) => void this.runFix(a) });
    this.ownerPane = new ResultPane({ side: 'owner', title: "Owner's view (read-only)", host: this.host, report, runFix: (a) => void this.runFix(a) });

    document.body.append(
      el(
        'header',
        { class: 'topbar' },
        el('h1', {}, icon('shield'), el('span', { text: 'Run as User' })),
        el('div', { class: 'path-box' }, el('label', { for: 'path-select', class: 'field-label', text: 'Path' }), this.pathSelect, this.connectionInfo),
        el('div', { class: 'run-box' }, this.runButton, this.cancelButton, el('kbd', { class: 'shortcut', text: shortcut })),
      ),
      this.pathInfo,
      el(
        'div',
        { class: 'inputs' },
        el(
          'section',
          { class: 'card sql-card', 'aria-labelledby': 'sql-heading' },
          el('div', { class: 'card-head' }, el('h2', { id: 'sql-heading', text: 'SQL' }), this.historySelect),
          this.sqlArea,
        ),
        this.tokens.element,
        this.tokens.inspector.element,
      ),
      this.status.element,
      this.confirmBar,
      this.notesEl,
      el('main', { class: 'results' }, this.userPane.element, this.ownerPane.element),
    );

    document.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.run();
      }
    });

    const saved = this.loadState();
    this.sqlArea.value = saved.sql ?? '';
    this.setHistory([]);
    this.tokens.restore(saved.token);
    this.savedPath = saved.path;
    this.host.ready();
  }

  private onEvent(e: HostEvent): void {
    switch (e.type) {
      case 'init':
        this.init(e.state);
        break;
      case 'setSql':
        this.sqlArea.value = e.sql;
        this.saveState();
        if (e.run) void this.run();
        break;
      case 'historyChanged':
        this.setHistory(e.sqlHistory);
        break;
      case 'personasChanged':
        this.tokens.setPersonas(e.personas);
        break;
      case 'connectionChanged':
        this.setPaths(e.paths, e.selectedPath, e.connectionLabel);
        this.tokens.inspectNow();
        break;
      case 'notify':
        this.status.report(e.level, e.message);
        break;
    }
  }

  private init(state: InitState): void {
    this.initialized = true;
    if (state.sql) this.sqlArea.value = state.sql;
    this.setHistory(state.sqlHistory);
    this.tokens.setPersonas(state.personas);
    this.tokens.setPlaygroundKeyAvailable(state.playgroundKeyAvailable);
    this.tokens.restore(this.loadState().token);
    this.setPaths(state.paths, this.savedPath && state.paths.some((p) => p.path === this.savedPath && p.available) ? this.savedPath : state.selectedPath, state.connectionLabel);
    this.saveState();
    if (state.runOnOpen) void this.run();
  }

  private setPaths(paths: PathOption[], selected: RunPath | null, connectionLabel: string): void {
    this.paths = paths;
    this.pathSelect.replaceChildren(
      ...paths.map((p) => {
        const option = el('option', { value: p.path, text: p.available ? p.label : `${p.label} (unavailable${p.unavailableReason ? `: ${p.unavailableReason}` : ''})` });
        option.disabled = !p.available;
        return option;
      }),
    );
    const pick = paths.find((p) => p.path === selected && p.available) ?? paths.find((p) => p.available);
    if (pick) this.pathSelect.value = pick.path;
    this.pathSelect.disabled = !pick;
    this.connectionInfo.textContent = connectionLabel;
    this.connectionInfo.title = connectionLabel;
    this.showPathInfo();
  }

  private showPathInfo(): void {
    const p = this.paths.find((x) => x.path === this.pathSelect.value);
    this.pathInfo.replaceChildren(
      p
        ? el('span', {}, el('strong', { text: `${p.label}: ` }), el('span', { text: p.description ?? '' }))
        : el('span', { class: 'status-error', text: 'No path can run the user side: connect to a database or start the playground.' }),
    );
  }

  private selectedPath(): RunPath {
    return (this.pathSelect.value || 'playground') as RunPath;
  }

  private setHistory(history: string[]): void {
    this.history = history;
    this.historySelect.replaceChildren(
      el('option', { value: '', text: history.length ? `History (${history.length})` : 'No history yet' }),
      ...history.map((sql, i) => el('option', { value: String(i), text: oneLine(sql) })),
    );
    this.historySelect.disabled = history.length === 0;
  }

  private async run(confirmWriteId?: string): Promise<void> {
    if (this.runningId !== undefined) return;
    if (!this.initialized) {
      this.status.report('warning', 'The panel is still connecting to the extension; try again in a moment.');
      return;
    }
    const sql = this.sqlArea.value.trim();
    if (!sql) {
      this.status.report('warning', 'Type a statement to run first.');
      this.sqlArea.focus();
      return;
    }
    const path = this.paths.find((p) => p.path === this.pathSelect.value);
    if (!path || !path.available) {
      this.status.report('error', 'No available path is selected: connect to a database or start the playground, then pick a path.');
      return;
    }
    const token = this.tokens.tokenSource();
    if ('problem' in token) {
      this.status.report('warning', token.problem);
      return;
    }
    this.status.clear();
    this.hideConfirm();
    this.setRunning(true, token);
    const request = this.host.send('run', { sql, token, path: path.path, ...(confirmWriteId ? { confirmWriteId } : {}) });
    this.runningId = request.id;
    try {
      this.showResponse(await request.result);
    } catch (e) {
      this.userPane.showMessage('The run did not complete.', 'error');
      this.ownerPane.showMessage('The run did not complete.', 'error');
      this.status.report('error', e instanceof PackedRowsError ? unreadableRows(e) : errorText(e), fixesOf(e));
    } finally {
      this.runningId = undefined;
      this.setRunning(false, token);
    }
  }

  private async cancel(): Promise<void> {
    if (this.runningId === undefined) return;
    try {
      const { cancelled } = await this.host.request('cancelRun', { runId: this.runningId });
      if (!cancelled) this.status.report('info', 'The statement had already finished.');
    } catch (e) {
      this.status.report('error', `Could not cancel: ${errorText(e)}`);
    }
  }

  private setRunning(running: boolean, token: TokenSource): void {
    this.runButton.disabled = running;
    this.cancelButton.hidden = !running;
    document.body.classList.toggle('is-running', running);
    if (running) {
      this.userPane.setTitle(`As ${this.tokens.identityHint()}`);
      this.userPane.showRunning();
      this.ownerPane.showRunning();
      this.setNotes([]);
    } else if (token.kind === 'pasted') {
      this.tokens.inspectNow();
    }
  }

  private showResponse(response: RunResponse<PackedRowReader>): void {
    if (response.kind === 'confirm-write') {
      this.userPane.showMessage('Waiting for your confirmation: nothing has run yet.', 'question');
      this.ownerPane.showMessage('Nothing has run yet.', 'question');
      this.showConfirm(response.command, response.message, response.table, response.confirmationId);
      return;
    }
    this.showResult(response);
  }

  private showResult(result: RunResult<PackedRowReader>): void {
    this.userPane.setTitle(`As ${result.identityLabel}`);
    const user = result.user;
    const owner = result.owner;
    let hidden: Uint8Array | undefined;
    let hiddenCount = 0;
    let matchedBy = result.hiddenMatchedBy;
    if (owner.kind === 'rows' && user.kind === 'rows' && owner.result.fields.length > 0) {
      if (result.hiddenOwnerRows) {
        hidden = new Uint8Array(owner.result.rows.length);
        for (const i of result.hiddenOwnerRows) hidden[i] = 1;
        hiddenCount = result.hiddenOwnerRows.length;
      } else if (!owner.caption) {
        // Without the host's answer, compare here: this needs every row of both sides decoded.
        ({ hidden, hiddenCount, matchedBy } = markHiddenRows({ ...owner.result, rows: owner.result.rows.all() }, { ...user.result, rows: user.result.rows.all() }));
      }
    }

    if (user.kind === 'rows') this.userPane.showRows(user.result);
    else this.userPane.showError(user.error);
    if (user.kind === 'rows' && user.caption) this.userPane.setTitle(user.caption);

    if (owner.kind === 'rows') {
      this.ownerPane.setTitle(owner.caption ?? "Owner's view (read-only)");
      this.ownerPane.showRows(owner.result, hidden, hiddenCount);
    } else if (owner.kind === 'error') {
      this.ownerPane.setTitle("Owner's view (read-only)");
      this.ownerPane.showError(owner.error);
    } else {
      this.ownerPane.setTitle("Owner's view");
      this.ownerPane.showMessage(owner.message, 'info');
    }

    this.userPane.setBanner(this.userBanner(result, hiddenCount, matchedBy));
    this.ownerPane.setBanner(undefined);
    this.setNotes(result.notes);
    this.pathInfo.replaceChildren(el('span', {}, el('strong', { text: 'Ran via ' }), el('span', { text: result.pathLabel })));
  }

  /** "RLS hid N rows" when the user sees nothing the owner sees; never a bare "no rows". */
  private userBanner(result: RunResult<PackedRowReader>, hiddenCount: number, matchedBy: RunResult['hiddenMatchedBy']): Banner | undefined {
    const { user, owner } = result;
    if (user.kind !== 'rows' || user.result.fields.length === 0) return undefined;
    const userRows = user.result.rows.length;
    const ownerRows = owner.kind === 'rows' && !owner.caption ? owner.result.rows.length : undefined;
    if (userRows === 0 && ownerRows !== undefined && ownerRows > 0) {
      return {
        level: 'warning',
        icon: 'eye-closed',
        title: `RLS hid ${plural(ownerRows, 'row')}`,
        message: `The owner sees ${plural(ownerRows, 'row')}; ${result.identityLabel} sees none. Row-level security policies filtered them out: check the policies' USING clauses and the token's claims (auth.user_id() is NULL without a sub).`,
      };
    }
    if (userRows === 0 && ownerRows === 0) {
      return { level: 'info', icon: 'info', title: 'No rows', message: 'The owner sees no rows either: the table or the filter is empty, not RLS.' };
    }
    if (userRows === 0) {
      return { level: 'info', icon: 'info', title: 'No rows for this user', message: 'The owner\'s side could not be compared, so this may be RLS or an empty result.' };
    }
    if (hiddenCount > 0 && ownerRows !== undefined) {
      return {
        level: 'info',
        icon: 'eye-closed',
        title: `RLS hid ${plural(hiddenCount, 'row')} of ${ownerRows.toLocaleString('en-US')}`,
        message: `They are marked in the owner's view${matchedBy ? ` (matched by ${matchedBy === 'whole-row' ? 'whole row' : 'primary key'})` : ''}.`,
      };
    }
    return undefined;
  }

  private setNotes(notes: RunResult['notes']): void {
    this.notesEl.hidden = notes.length === 0;
    this.notesEl.replaceChildren(
      ...notes.map((n) => el('li', { class: `note note-${n.level}` }, icon(n.level === 'error' ? 'error' : n.level === 'warning' ? 'warning' : 'info'), el('span', { text: n.message }))),
    );
  }

  private showConfirm(command: string, message: string, table: string | undefined, confirmationId: string): void {
    const confirm = button(`Run ${command} as the user`, { icon: 'check', kind: 'primary', id: 'confirm-write', onClick: () => void this.run(confirmationId) });
    this.confirmBar.replaceChildren(
      icon('warning'),
      el(
        'div',
        { class: 'confirm-text' },
        el('strong', { id: 'confirm-title', text: `${command} changes data` }),
        el('p', { id: 'confirm-message', text: message }),
        table ? el('p', { class: 'muted small', text: `Afterwards the owner's side shows ${table}.` }) : null,
      ),
      confirm,
      button('Cancel', { id: 'cancel-write', onClick: () => this.hideConfirm(true) }),
    );
    this.confirmBar.hidden = false;
    confirm.focus();
  }

  private hideConfirm(cancelled = false): void {
    this.confirmBar.hidden = true;
    this.confirmBar.replaceChildren();
    if (cancelled) {
      this.userPane.showMessage('Cancelled: the statement did not run.', 'circle-slash');
      this.ownerPane.showMessage('Cancelled: the statement did not run.', 'circle-slash');
      this.runButton.focus();
    }
  }

  private async runFix(action: FixButton): Promise<void> {
    try {
      const { message } = await this.host.request('runFix', { action: action.action, ...(action.target ? { target: action.target } : {}) });
      if (message) this.status.report('info', message);
    } catch (e) {
      this.status.report('error', `${action.label} failed: ${errorText(e)}`, fixesOf(e));
    }
  }

  private loadState(): PanelState {
    const s = this.api.getState();
    return s && typeof s === 'object' ? (s as PanelState) : {};
  }

  private saveStateSoon(): void {
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.saveState(), 300);
  }

  private saveState(): void {
    if (!this.tokens) return;
    const state: PanelState = { sql: this.sqlArea.value, path: (this.pathSelect.value || undefined) as RunPath | undefined, token: this.tokens.state() };
    this.api.setState(state);
  }
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

new RunAsUserPanel(acquireVsCodeApi());
