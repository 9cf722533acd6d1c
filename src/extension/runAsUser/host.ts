// The extension's end of the Run-as-User protocol, without VS Code: every message from the webview is
// validated, every request answered exactly once, and secrets never leave this object unmasked (except a
// freshly minted token, which goes back to the panel that asked for it). The VS Code layer (panel.ts)
// supplies storage, dialogs, the clipboard and commands through RunAsUserHostDeps.
import { fixAction, type FixAction, type FixActionId } from '../../core/fixActions';
import type { JwksProviderRegistration } from '../../core/jwt/types';
import type { RunAsUserOutcome } from '../../core/runAsUser/engine';
import type * as engineOutcome from '../../core/runAsUser/outcome';
import {
  errorResponse,
  okResponse,
  requestIdOf,
  validateWebviewMessage,
  type ExplainedError,
  type HostToWebview,
  type InitState,
  type OwnerOutcome,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type ResultSet,
  type RunPath,
  type RunResponse,
  type SideOutcome,
  type TokenInspection,
  type TokenSource,
} from '../../core/runAsUserProtocol/messages';
import { maskSecrets } from '../../core/secrets';
import type { Playground } from '../../playground/playground';
import type { ActiveConnection, ConnectionService } from '../connections/types';
import { commandForFix, fixButton, fixLabel } from '../fixCommands';
import type { SqlHistory } from './history';
import { choosePaths, PATH_LABELS } from './paths';
import { mintPersonaToken, type PersonaStore } from './personas';

/** A statement the user side runs: what the engine needs, with the token already resolved. */
export interface UserRunRequest {
  sql: string;
  path: RunPath;
  connection: ActiveConnection;
  providers: JwksProviderRegistration[];
  /** The JWT for the user side; undefined runs as anonymous without a token. */
  token: string | undefined;
  /** The user confirmed this write: the `confirmationId` of the engine's `confirm-write` answer. */
  confirmationId?: string;
  signal: AbortSignal;
}

export interface InspectRequest {
  token: string;
  path: RunPath;
  connection: ActiveConnection | undefined;
  providers: JwksProviderRegistration[];
}

/** The run-as-user engine (src/core/runAsUser), as the host uses it; loaded on first use. */
export interface RunEngine {
  run(request: UserRunRequest): Promise<RunAsUserOutcome>;
  inspect(request: InspectRequest): Promise<TokenInspection>;
  /** Closes the connections the engine keeps open. */
  close(): Promise<void>;
}

export interface ExportTarget {
  format: 'csv' | 'json';
  grid: 'user' | 'owner';
  content: string;
  suggestedName: string;
}

export interface RunAsUserHostDeps {
  connections: Pick<ConnectionService, 'current' | 'peek' | 'providers'>;
  personas: PersonaStore;
  history: SqlHistory;
  /** Sends to the webview (and to test observers). */
  post(message: HostToWebview): void;
  /** Asks where to save an export and writes it. */
  saveExport(target: ExportTarget): Promise<{ saved: boolean; location?: string }>;
  copyText(text: string): Promise<void>;
  /** Runs a VS Code command. */
  runCommand(id: string, ...args: unknown[]): Promise<unknown>;
  hasCommand(id: string): Promise<boolean>;
  loadEngine(): Promise<RunEngine>;
  /** Diagnostics (already masked). */
  log?(line: string): void;
}

/** Thrown for what the user must fix; the message is shown as is, with a button per fix. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly fixes: readonly FixAction[] = [],
  ) {
    super(message);
  }
}

/** The panel's answer to a run: the one place an engine outcome becomes a message. A refusal (nothing ran)
 *  is the request's error, with every fix the explanation offers. */
export function runResponseOf(outcome: RunAsUserOutcome): RunResponse {
  switch (outcome.kind) {
    case 'ran':
      return {
        kind: 'ran',
        path: outcome.path,
        pathLabel: outcome.pathLabel,
        identityLabel: outcome.identityLabel,
        user: sideMessage(outcome.user),
        owner: outcome.owner.kind === 'skipped-write' ? { kind: 'skipped-write', message: outcome.owner.message } : sideMessage(outcome.owner),
        ...(outcome.hiddenOwnerRows ? { hiddenOwnerRows: outcome.hiddenOwnerRows } : {}),
        ...(outcome.hiddenMatchedBy ? { hiddenMatchedBy: outcome.hiddenMatchedBy } : {}),
        notes: outcome.notes.map((n) => ({ level: n.level, message: n.message })),
      };
    case 'confirm-write':
      return { kind: 'confirm-write', confirmationId: outcome.confirmationId, command: outcome.command, ...(outcome.table ? { table: outcome.table } : {}), message: outcome.message };
    case 'refused':
      throw new UserFacingError(`${outcome.error.title}: ${outcome.error.message}`, outcome.error.fixes);
  }
}

function sideMessage(side: engineOutcome.SideOutcome): SideOutcome & OwnerOutcome {
  if (side.kind === 'error') return { kind: 'error', error: explainedErrorMessage(side.error) };
  const result = resultSetMessage(side.result);
  return side.caption !== undefined ? { kind: 'rows', result, caption: side.caption } : { kind: 'rows', result };
}

/** The rows are passed on, not copied: a result can have a million of them. */
function resultSetMessage(result: engineOutcome.ResultSet): ResultSet {
  return {
    fields: result.fields.map((f) => (f.typeName !== undefined ? { name: f.name, dataTypeID: f.dataTypeID, typeName: f.typeName } : { name: f.name, dataTypeID: f.dataTypeID })),
    rows: result.rows,
    rowCount: result.rowCount,
    command: result.command,
    durationMs: result.durationMs,
    ...(result.keyColumns ? { keyColumns: result.keyColumns } : {}),
  };
}

/** An explanation as the panel shows it: each fix labelled with the command it runs. */
export function explainedErrorMessage(error: engineOutcome.ExplainedError): ExplainedError {
  return {
    title: error.title,
    message: error.message,
    ...(error.code !== undefined ? { code: error.code } : {}),
    ...(error.detail !== undefined ? { detail: error.detail } : {}),
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    ...(error.fixes ? { fixes: error.fixes.map(fixButton) } : {}),
  };
}

export class RunAsUserHost {
  private ready = false;
  private initCount = 0;
  private pendingOpen: { sql: string; run: boolean } | undefined;
  private readonly runs = new Map<number, AbortController>();
  private connecting: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly deps: RunAsUserHostDeps) {}

  /** The webview's script is loaded and listening (it said `ready` since it was last hidden). */
  get isReady(): boolean {
    return this.ready;
  }

  /** The webview's document was destroyed (panel hidden without retained context): wait for the next `ready`. */
  markNotReady(): void {
    this.ready = false;
  }

  /** Puts a statement in the panel, running it when asked: now if the webview listens, else at its next init. */
  openWith(sql: string, run: boolean): void {
    if (this.ready) this.post({ type: 'setSql', sql, ...(run ? { run: true } : {}) });
    else this.pendingOpen = { sql, run };
  }

  /** Tells the panel the connection changed (paths, label, playground key). */
  async connectionChanged(connection: ActiveConnection | undefined): Promise<void> {
    const choice = choosePaths(connection);
    this.post({ type: 'connectionChanged', connectionLabel: choice.connectionLabel, paths: choice.paths, selectedPath: choice.selectedPath });
    if (connection?.playground && (await this.deps.personas.offerStarters())) {
      this.post({ type: 'personasChanged', personas: this.deps.personas.list() });
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const controller of this.runs.values()) controller.abort();
    this.runs.clear();
  }

  /** Entry point for every message from the webview (untrusted). */
  async handle(raw: unknown): Promise<void> {
    const checked = validateWebviewMessage(raw);
    if (!checked.ok) {
      const id = requestIdOf(raw);
      this.log(`ignored an invalid message from the panel: ${checked.error}`);
      if (id !== undefined) this.post(errorResponse(id, `The panel sent a request the extension cannot read (${checked.error}). Reload the panel.`));
      return;
    }
    const message = checked.value;
    if (message.type === 'ready') {
      this.ready = true;
      await this.sendInit();
      return;
    }
    await this.answer(message);
  }

  private async answer<T extends RequestType>(request: RequestOf<T>): Promise<void> {
    let result: ResultOf<T>;
    try {
      result = (await this.dispatch(request)) as ResultOf<T>;
    } catch (error) {
      const { message, fixes } = this.describeError(error);
      this.post(errorResponse(request.id, message, ...fixes.map(fixButton)));
      return;
    }
    this.post(okResponse<T>(request.id, result));
  }

  private dispatch(request: RequestOf<RequestType>): Promise<unknown> {
    switch (request.type) {
      case 'run':
        return this.run(request);
      case 'cancelRun':
        return this.cancel(request.runId);
      case 'mintToken':
        return this.mint(request);
      case 'savePersona':
        return this.savePersona(request);
      case 'deletePersona':
        return this.deletePersona(request.personaId);
      case 'inspectToken':
        return this.inspect(request);
      case 'export':
        return this.deps.saveExport({ format: request.format, grid: request.grid, content: request.content, suggestedName: request.suggestedName });
      case 'copy':
        return this.deps.copyText(request.text).then(() => ({ copied: true }));
      case 'runFix':
        return this.runFix(request.action, request.target);
    }
  }

  // -------------------------------------------------------------------------------------------
  // init and connection

  private async sendInit(): Promise<void> {
    const connection = this.deps.connections.peek();
    if (connection?.playground) await this.deps.personas.offerStarters();
    const pending = this.pendingOpen;
    this.pendingOpen = undefined;
    const first = this.initCount++ === 0;
    const choice = choosePaths(connection, connection ? undefined : 'connecting… (the playground starts on first use)');
    const state: InitState = {
      // A reloaded webview keeps its own draft; a new panel starts from the last statement run here.
      sql: pending?.sql ?? (first ? this.deps.history.lastSql() : ''),
      sqlHistory: this.deps.history.list(),
      personas: this.deps.personas.list(),
      paths: choice.paths,
      selectedPath: choice.selectedPath,
      connectionLabel: choice.connectionLabel,
      playgroundKeyAvailable: connection?.playground !== undefined,
      ...(pending?.run ? { runOnOpen: true } : {}),
    };
    this.post({ type: 'init', state });
    if (!connection) void this.connect();
  }

  /** Opens the connection (starting the playground when nothing else is chosen) and tells the panel. */
  private connect(): Promise<void> {
    this.connecting ??= this.deps.connections
      .current()
      .then(
        async (connection) => {
          await this.connectionChanged(connection);
          this.post({ type: 'notify', level: 'info', message: `Connected: ${maskSecrets(connection.label)}.` });
        },
        (error: unknown) => {
          const choice = choosePaths(undefined, 'the connection could not be opened');
          this.post({ type: 'connectionChanged', connectionLabel: 'Not connected', paths: choice.paths, selectedPath: null });
          this.post({ type: 'notify', level: 'error', message: `Could not open the connection: ${this.describeError(error).message}` });
        },
      )
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  private async connection(): Promise<ActiveConnection> {
    try {
      const connection = await this.deps.connections.current();
      if (connection.playground && (await this.deps.personas.offerStarters())) this.post({ type: 'personasChanged', personas: this.deps.personas.list() });
      return connection;
    } catch (error) {
      throw new UserFacingError(`Could not open the connection: ${this.describeError(error).message}`, [fixAction('chooseConnection')]);
    }
  }

  // -------------------------------------------------------------------------------------------
  // run, confirm, cancel

  private async run(request: RequestOf<'run'>): Promise<RunResponse> {
    const connection = await this.connection();
    const option = choosePaths(connection).paths.find((p) => p.path === request.path);
    if (!option?.available)
      throw new UserFacingError(`${PATH_LABELS[request.path]} cannot be used with ${maskSecrets(connection.label)}: ${option?.unavailableReason ?? 'unknown path'}. Pick another path.`);

    const token = await this.resolveToken(request.token, connection.playground);
    const controller = new AbortController();
    this.runs.set(request.id, controller);
    let outcome: RunAsUserOutcome;
    try {
      const engine = await this.deps.loadEngine();
      const providers = await this.providers();
      const confirmation = request.confirmWriteId !== undefined ? { confirmationId: request.confirmWriteId } : {};
      outcome = await engine.run({ sql: request.sql, path: request.path, connection, providers, token, ...confirmation, signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) throw new UserFacingError('Cancelled: the statement was stopped before it finished.');
      throw error;
    } finally {
      this.runs.delete(request.id);
    }

    const response = runResponseOf(outcome);
    await this.remember(request.sql);
    return response;
  }

  private async cancel(runId: number): Promise<{ cancelled: boolean }> {
    const controller = this.runs.get(runId);
    if (!controller) return { cancelled: false };
    controller.abort();
    return { cancelled: true };
  }

  private async remember(sql: string): Promise<void> {
    const before = this.deps.history.list();
    const added = await this.deps.history.add(sql);
    await this.deps.history.setLastSql(sql);
    const after = this.deps.history.list();
    if (added === 'skipped-secret')
      this.post({ type: 'notify', level: 'info', message: 'This statement contains a token, key or password, so it was not saved to the SQL history.' });
    if (JSON.stringify(before) !== JSON.stringify(after)) this.post({ type: 'historyChanged', sqlHistory: after });
  }

  // -------------------------------------------------------------------------------------------
  // tokens and personas

  /** The JWT a token source stands for: pasted as is, minted fresh for a persona, none for anonymous. */
  private async resolveToken(source: TokenSource, playground: Playground | undefined): Promise<string | undefined> {
    switch (source.kind) {
      case 'anonymous':
        return undefined;
      case 'pasted':
        return source.token.trim().replace(/^bearer\s+/i, '');
      case 'persona': {
        const persona = this.deps.personas.get(source.personaId);
        if (!persona) throw new UserFacingError('That persona no longer exists (it was deleted in another window?). Choose another one.');
        return mintPersonaToken(persona, await this.deps.personas.keyOf(persona), playground);
      }
    }
  }

  private async mint(request: RequestOf<'mintToken'>): Promise<ResultOf<'mintToken'>> {
    const key = await this.deps.personas.resolveKey(request.persona.keySource);
    const connection = key.kind === 'playground' ? await this.connection() : this.deps.connections.peek();
    const token = await mintPersonaToken(request.persona, key, connection?.playground);
    const engine = await this.deps.loadEngine();
    const path = choosePaths(connection).selectedPath ?? 'self-verified';
    const inspection = await engine.inspect({ token, path, connection, providers: connection ? await this.providers() : [] });
    return { token, inspection };
  }

  private async savePersona(request: RequestOf<'savePersona'>): Promise<ResultOf<'savePersona'>> {
    const persona = await this.deps.personas.save(request.persona, request.replaceId);
    this.post({ type: 'personasChanged', personas: this.deps.personas.list() });
    return { persona };
  }

  private async deletePersona(personaId: string): Promise<ResultOf<'deletePersona'>> {
    const deleted = await this.deps.personas.delete(personaId);
    if (deleted) this.post({ type: 'personasChanged', personas: this.deps.personas.list() });
    return { deleted };
  }

  private async inspect(request: RequestOf<'inspectToken'>): Promise<TokenInspection> {
    if (request.token.kind === 'anonymous') throw new UserFacingError('Anonymous sends no token, so there is nothing to inspect.');
    const connection = request.token.kind === 'persona' ? await this.connection() : this.deps.connections.peek();
    const token = await this.resolveToken(request.token, connection?.playground);
    if (token === undefined) throw new UserFacingError('Anonymous sends no token, so there is nothing to inspect.');
    const engine = await this.deps.loadEngine();
    return engine.inspect({ token, path: request.path, connection, providers: connection ? await this.providers() : [] });
  }

  private async providers(): Promise<JwksProviderRegistration[]> {
    try {
      return await this.deps.connections.providers();
    } catch (error) {
      this.log(`could not list the providers: ${this.describeError(error).message}`);
      return [];
    }
  }

  // -------------------------------------------------------------------------------------------
  // fixes

  private async runFix(action: FixActionId, target: string | undefined): Promise<ResultOf<'runFix'>> {
    const { command, args, own } = commandForFix({ action, ...(target ? { target } : {}) });
    if (!own) {
      await this.deps.runCommand(command, ...args);
      return {};
    }
    // Not awaited: setup commands ask their own questions (pickers, previews) and report their own
    // errors; the panel's button should not spin until the user has answered them.
    if (!(await this.deps.hasCommand(command))) throw new UserFacingError(`The command ${command} is not available in this VS Code window.`);
    const started = Promise.resolve(this.deps.runCommand(command, ...args));
    started.catch((error: unknown) => this.post({ type: 'notify', level: 'error', message: this.describeError(error).message }));
    return { message: `${fixLabel(action)} started.` };
  }

  // -------------------------------------------------------------------------------------------

  private describeError(error: unknown): { message: string; fixes: readonly FixAction[] } {
    const raw = error instanceof Error ? error.message : String(error);
    const message = maskSecrets(raw || 'Something went wrong without an error message.');
    if (!(error instanceof UserFacingError)) this.log(`request failed: ${message}`);
    return { message, fixes: error instanceof UserFacingError ? error.fixes : [] };
  }

  private post(message: HostToWebview): void {
    if (!this.disposed) this.deps.post(message);
  }

  private log(line: string): void {
    this.deps.log?.(maskSecrets(line));
  }
}
