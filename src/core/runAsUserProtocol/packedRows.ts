// Rows on the wire: the extension packs each result's rows into one string (`packForWebview`), which is
// cheap to post however many rows there are; the webview checks the envelope on arrival and decodes only
// the rows it shows (`readResult`, `PackedRowReader`); sort, filter and export decode all rows on demand.
//
// Packed rows are the rows as JSON in chunks: each line of `text` is a JSON array of `chunkRows` rows (the
// last one may be shorter), lines separated by "\n". JSON escapes every line break inside a value, so "\n"
// only ever separates chunks; NULL is `null`, apart from "" and from the text "NULL". Chunks, not one line
// per row: one JSON.stringify per row costs the extension twice as much as one per chunk.
import {
  packedRunResponseSchema,
  parse,
  rowProblem,
  validateResult,
  type Cell,
  type CellRows,
  type HostToWebview,
  type OwnerOutcome,
  type PackedRows,
  type RequestType,
  type ResultOf,
  type RunResponse,
  type SideOutcome,
  type Validation,
  type WireHostToWebview,
} from './messages';

export type { PackedRows };

/** Rows per chunk: decoding one chunk to show a row in view stays far below a millisecond. */
export const PACKED_CHUNK_ROWS = 256;

export function packRows(rows: CellRows, chunkRows = PACKED_CHUNK_ROWS): PackedRows {
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += chunkRows) chunks.push(JSON.stringify(rows.slice(i, i + chunkRows)));
  return { encoding: 'json-chunks', count: rows.length, chunkRows, text: chunks.join('\n') };
}

function packSide(side: SideOutcome): SideOutcome<PackedRows>;
function packSide(side: OwnerOutcome): OwnerOutcome<PackedRows>;
function packSide(side: OwnerOutcome): OwnerOutcome<PackedRows> {
  return side.kind === 'rows' ? { ...side, result: { ...side.result, rows: packRows(side.result.rows) } } : side;
}

/** Host side: what to hand to `webview.postMessage` for a message. Only run answers change (the one
 *  result with `kind: 'ran'`); every result is checked again in the webview (`readResult`). */
export function packForWebview(message: HostToWebview): WireHostToWebview {
  if (message.type !== 'response' || !message.ok) return message;
  const result = message.result;
  if (typeof result !== 'object' || result === null || !('kind' in result) || result.kind !== 'ran') return message;
  return { ...message, result: { ...result, user: packSide(result.user), owner: packSide(result.owner) } };
}

/** Thrown when a packed row does not decode to `width` cells of text or NULL. */
export class PackedRowsError extends Error {}

/** The webview's view of packed rows: `row(i)` decodes the chunk holding row i (what the grid shows),
 *  `all()` decodes every row once and keeps them (sort, filter, export). Each decoded row is checked. */
export class PackedRowReader {
  readonly length: number;
  private readonly text: string;
  private readonly chunkRows: number;
  /** Start of chunk k at starts[k]; starts[chunks] is one past the end of the text. */
  private readonly starts: Uint32Array;
  /** Decoded chunks, kept: a grid only decodes the chunks it has shown. */
  private readonly chunks: (CellRows | undefined)[];
  private decoded: CellRows | undefined;

  constructor(
    packed: PackedRows,
    private readonly width: number,
    private readonly at = 'rows',
  ) {
    this.length = packed.count;
    this.text = packed.text;
    this.chunkRows = packed.chunkRows;
    const chunkCount = Math.ceil(packed.count / packed.chunkRows);
    this.chunks = new Array(chunkCount);
    this.starts = new Uint32Array(chunkCount + 1);
    // One indexOf per chunk, far cheaper than parsing; it also checks the row count against the text.
    let pos = 0;
    for (let k = 0; k < chunkCount; k++) {
      if (pos > this.text.length) throw new PackedRowsError(`${at} has fewer chunks than its ${packed.count} rows need`);
      this.starts[k] = pos;
      const nl = this.text.indexOf('\n', pos);
      pos = nl === -1 ? this.text.length + 1 : nl + 1;
    }
    if (chunkCount > 0 ? pos !== this.text.length + 1 : this.text !== '') throw new PackedRowsError(`${at} has more chunks than its ${packed.count} rows need`);
    this.starts[chunkCount] = pos;
  }

  row(i: number): Cell[] {
    if (this.decoded) return this.decoded[i];
    if (!(Number.isInteger(i) && i >= 0 && i < this.length)) throw new PackedRowsError(`${this.at}[${i}] does not exist (${this.length} rows)`);
    const k = Math.floor(i / this.chunkRows);
    return (this.chunks[k] ??= this.decodeChunk(k))[i - k * this.chunkRows];
  }

  all(): CellRows {
    if (this.decoded) return this.decoded;
    const rows: CellRows = [];
    for (let k = 0; k < this.chunks.length; k++) {
      const chunk = (this.chunks[k] ??= this.decodeChunk(k));
      for (let j = 0; j < chunk.length; j++) rows.push(chunk[j]);
    }
    this.decoded = rows;
    this.chunks.fill(undefined);
    return rows;
  }

  private decodeChunk(k: number): CellRows {
    const first = k * this.chunkRows;
    const expected = Math.min(this.chunkRows, this.length - first);
    let chunk: unknown;
    try {
      chunk = JSON.parse(this.text.slice(this.starts[k], this.starts[k + 1] - 1));
    } catch {
      throw new PackedRowsError(`${this.at} rows ${first} to ${first + expected - 1} are not valid JSON`);
    }
    if (!Array.isArray(chunk) || chunk.length !== expected) throw new PackedRowsError(`${this.at} does not hold rows ${first} to ${first + expected - 1}`);
    for (let j = 0; j < chunk.length; j++) {
      const problem = rowProblem(chunk[j], this.width);
      if (problem) throw new PackedRowsError(`${this.at}[${first + j}]${problem.cell === undefined ? '' : `[${problem.cell}]`} ${problem.message}`);
    }
    return chunk as CellRows;
  }
}

/** What the webview works with for each request type: a run's rows come as readers. */
export type ReceivedResultOf<T extends RequestType> = T extends 'run' ? RunResponse<PackedRowReader> : ResultOf<T>;

function readSide(side: SideOutcome<PackedRows>, at: string): SideOutcome<PackedRowReader>;
function readSide(side: OwnerOutcome<PackedRows>, at: string): OwnerOutcome<PackedRowReader>;
function readSide(side: OwnerOutcome<PackedRows>, at: string): OwnerOutcome<PackedRowReader> {
  return side.kind === 'rows' ? { ...side, result: { ...side.result, rows: new PackedRowReader(side.result.rows, side.result.fields.length, `${at}.result.rows`) } } : side;
}

/** A run's answer as the webview works with it: its packed rows wrapped in readers (each checks its row
 *  count now, its cells on decode). */
function readRunResponse(result: unknown): Validation<RunResponse<PackedRowReader>> {
  const checked = parse(packedRunResponseSchema, result, 'run result');
  if (!checked.ok) return checked;
  const ran = checked.value;
  if (ran.kind !== 'ran') return { ok: true, value: ran };
  try {
    return { ok: true, value: { ...ran, user: readSide(ran.user, 'run result.user'), owner: readSide(ran.owner, 'run result.owner') } };
  } catch (e) {
    if (e instanceof PackedRowsError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Webview side: checks the `result` of a successful response against the type of the request it answers
 *  and, for a run, wraps its packed rows in readers. */
export function readResult<T extends RequestType>(type: T, result: unknown): Validation<ReceivedResultOf<T>> {
  // TypeScript cannot narrow T from a comparison of `type`; each branch is checked for its own type.
  return (type === 'run' ? readRunResponse(result) : validateResult(type, result)) as Validation<ReceivedResultOf<T>>;
}
