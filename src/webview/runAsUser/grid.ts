// A virtualized result grid: fixed row height, only the rows in view (plus a few) exist in the DOM, and
// those few elements are reused while scrolling. Sorting and filtering work on an index array, never
// on copies of the rows. Rows arrive packed: the grid decodes only the rows it shows, and sort and filter
// decode them all on first use. Values enter the DOM only through textContent and properties.
import type { ResultSetOf } from '../../core/runAsUserProtocol/messages';
import type { PackedRowReader } from '../../core/runAsUserProtocol/packedRows';
import { columnKind, comparatorFor, displayText, typeLabel, type ColumnKind, type Comparator } from './columnTypes';
import { csvLine } from './exporters';
import { el, icon, uniqueId } from './dom';

/** Must match --grid-row-height in main.css. */
export const ROW_HEIGHT = 24;
/** Rows rendered above and below the visible window. */
const OVERSCAN = 6;
/** Browsers cap element heights (~33M px in Chromium); beyond this the scroll position maps to rows
 *  proportionally instead of 1:1. */
const MAX_BODY_HEIGHT = 8_000_000;
/** Longest text a cell displays; the full value is still copied and exported. */
const MAX_CELL_CHARS = 500;
const WIDTH_SAMPLE_ROWS = 200;

type SortDirection = 'ascending' | 'descending';

interface PooledRow {
  row: HTMLDivElement;
  gutter: HTMLDivElement;
  gutterNumber: HTMLSpanElement;
  gutterMark: HTMLSpanElement;
  cells: HTMLDivElement[];
  /** View position shown, -1 when unused. */
  pos: number;
}

export interface GridOptions {
  /** Accessible name of the grid, e.g. "Rows the user sees". */
  label: string;
  /** Wording for a marked row, e.g. "hidden from the user". */
  hiddenLabel: string;
  onCopy(what: 'cell' | 'row', text: string): void;
  /** Called after the set of shown rows or the active cell changes. */
  onViewChange(): void;
}

export class VirtualGrid {
  readonly element: HTMLDivElement;
  private readonly id = uniqueId('grid');
  private readonly canvas: HTMLDivElement;
  private readonly headerRow: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private result: ResultSetOf<PackedRowReader> | undefined;
  private hidden: Uint8Array | undefined;
  private kinds: ColumnKind[] = [];
  private comparators: Comparator[] = [];
  private headerCells: HTMLDivElement[] = [];
  private order: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private filterText = '';
  private onlyHidden = false;
  private sort: { col: number; dir: SortDirection } | undefined;
  private active: { pos: number; col: number } | undefined;
  private pool: PooledRow[] = [];
  private frame = 0;
  private headerHeight = ROW_HEIGHT;

  constructor(private readonly options: GridOptions) {
    this.element = el('div', { class: 'grid', role: 'grid', tabindex: 0, 'aria-label': options.label, 'aria-readonly': 'true' });
    this.headerRow = el('div', { class: 'grid-row grid-header-row', role: 'row', 'aria-rowindex': 1 });
    this.body = el('div', { class: 'grid-body', role: 'rowgroup' });
    this.canvas = el('div', { class: 'grid-canvas' }, el('div', { class: 'grid-header', role: 'rowgroup' }, this.headerRow), this.body);
    this.element.appendChild(this.canvas);
    this.element.addEventListener('scroll', () => this.scheduleRender(), { passive: true });
    this.element.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.body.addEventListener('mousedown', (e) => this.onPointer(e));
    new ResizeObserver(() => this.scheduleRender()).observe(this.element);
  }

  setData(result: ResultSetOf<PackedRowReader>, hidden?: Uint8Array): void {
    this.result = result;
    this.hidden = hidden && hidden.length === result.rows.length ? hidden : undefined;
    this.kinds = result.fields.map(columnKind);
    this.comparators = this.kinds.map(comparatorFor);
    this.sort = undefined;
    this.active = undefined;
    this.buildHeader();
    this.buildPool();
    this.recomputeOrder();
    this.element.scrollTop = 0;
    this.element.scrollLeft = 0;
  }

  clear(): void {
    this.result = undefined;
    this.hidden = undefined;
    this.order = new Uint32Array(0);
    this.headerRow.replaceChildren();
    this.body.replaceChildren();
    this.pool = [];
  }

  setFilter(text: string): void {
    if (text === this.filterText) return;
    this.filterText = text;
    this.recomputeOrder();
  }

  setOnlyHidden(only: boolean): void {
    if (only === this.onlyHidden) return;
    this.onlyHidden = only;
    this.recomputeOrder();
  }

  /** Row indices in display order (after filter and sort). */
  viewOrder(): Uint32Array<ArrayBufferLike> {
    return this.order;
  }

  get data(): ResultSetOf<PackedRowReader> | undefined {
    return this.result;
  }

  counts(): { shown: number; total: number } {
    return { shown: this.order.length, total: this.result?.rows.length ?? 0 };
  }

  hasActiveCell(): boolean {
    return this.active !== undefined && this.active.pos < this.order.length;
  }

  copyActive(what: 'cell' | 'row'): void {
    if (!this.result || !this.active || this.active.pos >= this.order.length) return;
    const row = this.result.rows.row(this.order[this.active.pos]);
    // NULL copies as nothing for a cell; a row copies as a CSV line, where NULL and '' stay distinct.
    this.options.onCopy(what, what === 'cell' ? (row[this.active.col] ?? '') : csvLine(row));
  }

  /** Sorts by a column: ascending, then descending, then back to the original order. */
  toggleSort(col: number): void {
    if (!this.sort || this.sort.col !== col) this.sort = { col, dir: 'ascending' };
    else if (this.sort.dir === 'ascending') this.sort = { col, dir: 'descending' };
    else this.sort = undefined;
    this.updateHeaderSort();
    this.recomputeOrder();
  }

  private buildHeader(): void {
    const result = this.result!;
    const gutterHead = el('div', { class: 'grid-gutter grid-cell', role: 'columnheader', 'aria-colindex': 1 }, el('span', { class: 'visually-hidden', text: 'Row' }), el('span', { 'aria-hidden': 'true', text: '#' }));
    this.headerCells = result.fields.map((field, c) => {
      const sortButton = el(
        'button',
        { type: 'button', class: 'grid-sort', title: `${field.name} (${typeLabel(field)}): sort` },
        el('span', { class: 'grid-colname', text: field.name }),
        el('span', { class: 'grid-coltype', text: typeLabel(field) }),
        el('span', { class: 'grid-sort-icon codicon', 'aria-hidden': 'true' }),
      );
      sortButton.addEventListener('click', () => this.toggleSort(c));
      // Keep Tab moving between the header and the grid body rather than through every column.
      sortButton.tabIndex = c === 0 ? 0 : -1;
      sortButton.addEventListener('keydown', (e) => this.onHeaderKey(e, c));
      const isKey = result.keyColumns?.includes(c);
      return el(
        'div',
        { class: `grid-cell grid-colhead kind-${this.kinds[c]}`, role: 'columnheader', 'aria-colindex': c + 2, 'aria-sort': 'none' },
        isKey ? icon('key', 'primary key') : null,
        sortButton,
      );
    });
    this.headerRow.replaceChildren(gutterHead, ...this.headerCells);
    this.element.setAttribute('aria-colcount', String(result.fields.length + 1));
    this.element.style.setProperty('--grid-columns', this.columnWidths().join(' '));
    this.updateHeaderSort();
  }

  private onHeaderKey(e: KeyboardEvent, c: number): void {
    const buttons = this.headerCells.map((h) => h.querySelector('button')!);
    let next = -1;
    if (e.key === 'ArrowRight') next = Math.min(c + 1, buttons.length - 1);
    else if (e.key === 'ArrowLeft') next = Math.max(c - 1, 0);
    else if (e.key === 'ArrowDown') {
      e.preventDefault();
      this.setActive(this.active?.pos ?? 0, c);
      this.element.focus();
      return;
    }
    if (next < 0) return;
    e.preventDefault();
    buttons[c].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  }

  private updateHeaderSort(): void {
    this.headerCells.forEach((cell, c) => {
      const dir = this.sort?.col === c ? this.sort.dir : undefined;
      cell.setAttribute('aria-sort', dir ?? 'none');
      const iconEl = cell.querySelector('.grid-sort-icon')!;
      iconEl.classList.toggle('codicon-arrow-up', dir === 'ascending');
      iconEl.classList.toggle('codicon-arrow-down', dir === 'descending');
    });
  }

  /** Column widths in ch, from the names and the first rows' values (never all rows: first paint must not
   *  depend on the row count). */
  private columnWidths(): string[] {
    const result = this.result!;
    const digits = String(result.rows.length).length;
    const widths = [`calc(${Math.max(digits, 2)}ch + 34px)`];
    const sample = Math.min(result.rows.length, WIDTH_SAMPLE_ROWS);
    result.fields.forEach((field, c) => {
      // The header shows the name, the type and a sort arrow (and a key icon) on one line.
      let chars = field.name.length + typeLabel(field).length + (result.keyColumns?.includes(c) ? 7 : 5);
      for (let r = 0; r < sample; r++) {
        const v = result.rows.row(r)[c];
        const len = v === null ? 4 : displayText(this.kinds[c], v).length;
        if (len > chars) chars = len;
      }
      widths.push(`${Math.min(Math.max(chars + 2, 6), 60)}ch`);
    });
    return widths;
  }

  private buildPool(): void {
    this.body.replaceChildren();
    this.pool = [];
  }

  private poolRow(index: number): PooledRow {
    while (this.pool.length <= index) {
      const n = this.pool.length;
      const gutterNumber = el('span', { class: 'grid-rownum' });
      const gutterMark = el('span', { class: 'grid-mark' });
      const gutter = el('div', { class: 'grid-gutter grid-cell', role: 'rowheader', 'aria-colindex': 1 }, gutterMark, gutterNumber);
      const cells = this.result!.fields.map((_, c) =>
        el('div', { class: `grid-cell kind-${this.kinds[c]}`, role: 'gridcell', 'aria-colindex': c + 2, id: `${this.id}-r${n}-c${c}`, 'data-col': c }),
      );
      const row = el('div', { class: 'grid-row', role: 'row' }, gutter, ...cells);
      this.body.appendChild(row);
      this.pool.push({ row, gutter, gutterNumber, gutterMark, cells, pos: -1 });
    }
    return this.pool[index];
  }

  private recomputeOrder(): void {
    const result = this.result;
    if (!result) return;
    const n = result.rows.length;
    const needle = this.filterText.trim().toLowerCase();
    const hidden = this.onlyHidden ? this.hidden : undefined;
    let order: Uint32Array<ArrayBufferLike>;
    if (!needle && !hidden) {
      order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    } else {
      const kept: number[] = [];
      const rows = needle ? result.rows.all() : undefined;
      for (let i = 0; i < n; i++) {
        if (hidden && !hidden[i]) continue;
        if (rows && !this.rowMatches(rows[i], needle)) continue;
        kept.push(i);
      }
      order = Uint32Array.from(kept);
    }
    if (this.sort) order = this.sorted(order, this.sort.col, this.sort.dir);
    this.order = order;
    if (this.active && this.active.pos >= order.length) this.active = undefined;
    for (const p of this.pool) p.pos = -1;
    this.element.setAttribute('aria-rowcount', String(order.length + 1));
    this.layoutBody();
    this.render();
    this.options.onViewChange();
  }

  private rowMatches(row: (string | null)[], needle: string): boolean {
    for (let c = 0; c < row.length; c++) {
      const v = row[c];
      if (v !== null && displayText(this.kinds[c], v).toLowerCase().includes(needle)) return true;
    }
    return false;
  }

  /** Postgres order: NULLs last ascending, first descending; ties keep the original order. */
  private sorted(order: Uint32Array<ArrayBufferLike>, col: number, dir: SortDirection): Uint32Array {
    const rows = this.result!.rows.all();
    const compare = this.comparators[col];
    const sign = dir === 'ascending' ? 1 : -1;
    const indices = Array.from(order);
    indices.sort((i, j) => {
      const a = rows[i][col];
      const b = rows[j][col];
      let c: number;
      if (a === null || b === null) c = a === b ? 0 : a === null ? 1 : -1;
      else c = compare(a, b);
      return c !== 0 ? c * sign : i - j;
    });
    return Uint32Array.from(indices);
  }

  private bodyHeight(): number {
    return Math.min(this.order.length * ROW_HEIGHT, MAX_BODY_HEIGHT);
  }

  private layoutBody(): void {
    this.body.style.height = `${this.bodyHeight()}px`;
  }

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** First view position in the window, and where rows are placed for it. Past the height cap, the
   *  scroll fraction maps to the same fraction of the rows' virtual height, and rows are placed relative
   *  to the scroll position so the last row lands at the bottom at the end. */
  private windowAt(scrollTop: number, viewportHeight: number): { first: number; offset: (pos: number) => number } {
    const virtualHeight = this.order.length * ROW_HEIGHT;
    if (virtualHeight <= MAX_BODY_HEIGHT) {
      return { first: Math.floor(scrollTop / ROW_HEIGHT), offset: (pos) => pos * ROW_HEIGHT };
    }
    const v = this.virtualTop(scrollTop, viewportHeight);
    return { first: Math.floor(v / ROW_HEIGHT), offset: (pos) => scrollTop + pos * ROW_HEIGHT - v };
  }

  /** Past the height cap: the virtual offset (in unscaled pixels) shown at the top for a scroll position. */
  private virtualTop(scrollTop: number, viewportHeight: number): number {
    const maxScroll = Math.max(1, MAX_BODY_HEIGHT - viewportHeight);
    const maxVirtual = Math.max(0, this.order.length * ROW_HEIGHT - viewportHeight);
    return (Math.min(Math.max(scrollTop, 0), maxScroll) / maxScroll) * maxVirtual;
  }

  private render(): void {
    const result = this.result;
    if (!result) return;
    this.headerHeight = this.headerRow.offsetHeight || ROW_HEIGHT;
    const viewportHeight = Math.max(0, this.element.clientHeight - this.headerHeight);
    const visibleRows = Math.ceil(viewportHeight / ROW_HEIGHT) + 1;
    const { first, offset } = this.windowAt(this.element.scrollTop, viewportHeight);
    const start = Math.max(0, first - OVERSCAN);
    const end = Math.min(this.order.length, first + visibleRows + OVERSCAN);
    let activeId: string | undefined;
    let slot = 0;
    for (let pos = start; pos < end; pos++, slot++) {
      const p = this.poolRow(slot);
      if (p.pos !== pos) this.fillRow(p, pos);
      p.row.style.transform = `translateY(${offset(pos)}px)`;
      const isActiveRow = this.active?.pos === pos;
      p.row.classList.toggle('is-active-row', isActiveRow);
      for (let c = 0; c < p.cells.length; c++) {
        const isActive = isActiveRow && this.active!.col === c;
        p.cells[c].classList.toggle('is-active', isActive);
        if (isActive) p.cells[c].setAttribute('aria-selected', 'true');
        else p.cells[c].removeAttribute('aria-selected');
        if (isActive) activeId = p.cells[c].id;
      }
    }
    for (; slot < this.pool.length; slot++) {
      const p = this.pool[slot];
      if (p.pos !== -1 || !p.row.hidden) {
        p.pos = -1;
        p.row.hidden = true;
      }
    }
    if (activeId) this.element.setAttribute('aria-activedescendant', activeId);
    else this.element.removeAttribute('aria-activedescendant');
  }

  private fillRow(p: PooledRow, pos: number): void {
    const rowIndex = this.order[pos];
    const values = this.result!.rows.row(rowIndex);
    const isHidden = this.hidden !== undefined && this.hidden[rowIndex] === 1;
    p.pos = pos;
    p.row.hidden = false;
    p.row.setAttribute('aria-rowindex', String(pos + 2));
    p.row.classList.toggle('is-hidden-row', isHidden);
    p.row.dataset.pos = String(pos);
    p.gutterNumber.textContent = String(rowIndex + 1);
    if (isHidden) {
      p.gutterMark.className = 'grid-mark codicon codicon-eye-closed';
      p.gutterMark.setAttribute('role', 'img');
      p.gutterMark.setAttribute('aria-label', this.options.hiddenLabel);
      p.gutterMark.title = `Row ${rowIndex + 1} is ${this.options.hiddenLabel}`;
    } else if (p.gutterMark.className !== 'grid-mark') {
      p.gutterMark.className = 'grid-mark';
      p.gutterMark.removeAttribute('role');
      p.gutterMark.removeAttribute('aria-label');
      p.gutterMark.title = '';
    }
    for (let c = 0; c < p.cells.length; c++) fillCell(p.cells[c], this.kinds[c], values[c]);
  }

  private onPointer(e: MouseEvent): void {
    const cell = (e.target as Element).closest<HTMLElement>('[data-col]');
    const row = cell?.closest<HTMLElement>('.grid-row');
    if (!cell || !row?.dataset.pos) return;
    this.setActive(Number(row.dataset.pos), Number(cell.dataset.col));
  }

  private setActive(pos: number, col: number): void {
    if (!this.result || this.order.length === 0) return;
    const clampedPos = Math.min(Math.max(pos, 0), this.order.length - 1);
    const clampedCol = Math.min(Math.max(col, 0), this.result.fields.length - 1);
    this.active = { pos: clampedPos, col: clampedCol };
    this.scrollIntoView(clampedPos);
    this.render();
    this.options.onViewChange();
  }

  private scrollIntoView(pos: number): void {
    const viewportHeight = this.element.clientHeight - this.headerHeight;
    const scaled = this.order.length * ROW_HEIGHT > MAX_BODY_HEIGHT;
    const top = scaled ? this.virtualTop(this.element.scrollTop, viewportHeight) : this.element.scrollTop;
    let target: number | undefined;
    if (pos * ROW_HEIGHT < top) target = pos * ROW_HEIGHT;
    else if ((pos + 1) * ROW_HEIGHT > top + viewportHeight) target = (pos + 1) * ROW_HEIGHT - viewportHeight;
    if (target === undefined) return;
    if (!scaled) {
      this.element.scrollTop = target;
      return;
    }
    const maxScroll = Math.max(1, MAX_BODY_HEIGHT - viewportHeight);
    const maxVirtual = Math.max(1, this.order.length * ROW_HEIGHT - viewportHeight);
    this.element.scrollTop = (target / maxVirtual) * maxScroll;
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.target !== this.element || !this.result) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && (e.key === 'c' || e.key === 'C')) {
      e.preventDefault();
      this.copyActive(e.shiftKey ? 'row' : 'cell');
      return;
    }
    const pos = this.active?.pos ?? -1;
    const col = this.active?.col ?? 0;
    const page = Math.max(1, Math.floor((this.element.clientHeight - this.headerHeight) / ROW_HEIGHT) - 1);
    const last = this.order.length - 1;
    const moves: Record<string, () => [number, number]> = {
      ArrowDown: () => [pos + 1, col],
      ArrowUp: () => [Math.max(pos - 1, 0), col],
      ArrowRight: () => [Math.max(pos, 0), col + 1],
      ArrowLeft: () => [Math.max(pos, 0), col - 1],
      PageDown: () => [pos + page, col],
      PageUp: () => [pos - page, col],
      Home: () => (mod ? [0, col] : [Math.max(pos, 0), 0]),
      End: () => (mod ? [last, col] : [Math.max(pos, 0), this.result!.fields.length - 1]),
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const [p, c] = move();
    this.setActive(p, c);
  }
}

function fillCell(cell: HTMLDivElement, kind: ColumnKind, value: string | null): void {
  if (value === null) {
    cell.textContent = 'NULL';
    cell.className = `grid-cell kind-${kind} is-null`;
    cell.title = 'NULL (no value)';
    cell.removeAttribute('aria-label');
    return;
  }
  if (value === '') {
    cell.textContent = '';
    cell.className = `grid-cell kind-${kind} is-empty`;
    cell.title = 'empty text';
    cell.setAttribute('aria-label', 'empty text');
    return;
  }
  let text = displayText(kind, value);
  if (text.length > MAX_CELL_CHARS) text = text.slice(0, MAX_CELL_CHARS) + '…';
  // Line breaks would break the fixed row height: show them as a visible mark instead.
  if (text.includes('\n') || text.includes('\r')) text = text.replace(/\r\n|\r|\n/g, '↵');
  cell.textContent = text;
  cell.className = kind === 'bool' ? `grid-cell kind-bool is-${value === 't' ? 'true' : 'false'}` : `grid-cell kind-${kind}`;
  cell.title = value.length > 40 || text !== value ? value.slice(0, 2000) : '';
  cell.removeAttribute('aria-label');
}
