// The webview's end of the protocol: numbered requests with promised answers, validated events.
import { validateHostMessage, type FixButton, type HostEvent, type RequestOf, type RequestType, type WebviewToHost } from '../../core/runAsUserProtocol/messages';
import { readResult, type ReceivedResultOf } from '../../core/runAsUserProtocol/packedRows';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

/** A request the host answered with ok:false (with the fixes it offers), or an answer that broke the protocol. */
export class HostRequestError extends Error {
  constructor(
    message: string,
    readonly fixes: readonly FixButton[] = [],
  ) {
    super(message);
  }
}

type Pending = { type: RequestType; resolve: (v: unknown) => void; reject: (e: Error) => void };
type Payload<T extends RequestType> = Omit<RequestOf<T>, 'type' | 'id'>;

export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((event: HostEvent) => void)[] = [];

  constructor(
    private readonly api: VsCodeApi,
    private readonly onProtocolError: (message: string) => void,
  ) {
    window.addEventListener('message', (e: MessageEvent) => this.receive(e.data));
  }

  onEvent(listener: (event: HostEvent) => void): void {
    this.listeners.push(listener);
  }

  ready(): void {
    this.post({ type: 'ready' });
  }

  /** Sends a request; `id` lets the caller refer to it (e.g. to cancel a run). */
  send<T extends RequestType>(type: T, payload: Payload<T>): { id: number; result: Promise<ReceivedResultOf<T>> } {
    const id = this.nextId++;
    const result = new Promise<ReceivedResultOf<T>>((resolve, reject) => {
      this.pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject });
    });
    this.post({ ...payload, type, id } as unknown as WebviewToHost);
    return { id, result };
  }

  request<T extends RequestType>(type: T, payload: Payload<T>): Promise<ReceivedResultOf<T>> {
    return this.send(type, payload).result;
  }

  private post(message: WebviewToHost): void {
    this.api.postMessage(message);
  }

  private receive(data: unknown): void {
    const checked = validateHostMessage(data);
    if (!checked.ok) {
      this.onProtocolError(`Ignored a malformed message from the extension (${checked.error}).`);
      return;
    }
    const msg = checked.value;
    if (msg.type !== 'response') {
      for (const l of this.listeners) l(msg);
      return;
    }
    const pending = this.pending.get(msg.id);
    if (!pending) {
      this.onProtocolError(`Ignored an answer to request ${msg.id}, which is not waiting for one.`);
      return;
    }
    this.pending.delete(msg.id);
    if (!msg.ok) {
      pending.reject(new HostRequestError(msg.error.message, msg.error.fixes));
      return;
    }
    // A run's rows arrive packed; readResult checks them and hands out readers that decode on demand.
    const result = readResult(pending.type, msg.result);
    if (result.ok) pending.resolve(result.value);
    else pending.reject(new HostRequestError(`The extension sent an answer the panel cannot read (${result.error}). Reload the panel; if it persists, report it.`));
  }
}
