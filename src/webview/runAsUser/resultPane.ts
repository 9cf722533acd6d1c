// One side of the comparison: title, counts and timing, filter, copy and export, then the grid, an
// explained error, or a message.
import type { ExplainedError, FixButton, GridSide, ResultSetOf } from '../../core/runAsUserProtocol/messages';
import type { PackedRowReader } from '../../core/runAsUserProtocol/packedRows';
import { button, el, formatDuration, icon, plural } from './dom';
import { toCsv, toJson } from './exporters';
import { VirtualGrid } from './grid';
import type { HostConnection } from './hostConnection';
import type { Reporter } from './status';
import { errorText, fixesOf } from './tokenPanel';

export interface Banner {
  level: 'info' | 'warning';
  icon: string;
  title: string;
  message: string;
}

interface Deps {
  side: GridSide;
  title: string;
  host: HostConnection;
  report: Reporter;
  runFix(action: FixButton): void;
}

const FILTER_DELAY_MS = 150;

export class ResultPane {
  readonly element: HTMLElement;
  readonly grid: VirtualGrid;
  private readonly titleEl: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly hiddenBadge: HTMLElement;
  private readonly toolbar: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly onlyHidden: HTMLInputElement | undefined;
  private readonly copyButtons: HTMLButtonElement[];
  private readonly bannerEl: HTMLElement;
  private readonly bodyEl: HTMLElement;
  private durationMs = 0;
  private hiddenCount = 0;
  private filterTimer = 0;

  constructor(private readonly deps: Deps) {
    const side = deps.side;
    this.titleEl = el('h2', { id: `${side}-title`, text: deps.title });
    this.stats = el('span', { class: 'pane-stats', id: `${side}-stats` });
    this.hiddenBadge = el('span', { class: 'hidden-badge', id: `${side}-hidden-badge` });
    this.hiddenBadge.hidden = true;
    this.grid = new VirtualGrid({
      label: side === 'user' ? 'Rows the user sees' : "Rows the owner sees",
      hiddenLabel: 'hidden from the user',
      onCopy: (what, text) => void this.copy(what, text),
      onViewChange: () => this.updateStats(),
    });
    this.filter = el('input', { type: 'search', class: 'filter', id: `${side}-filter`, placeholder: 'Filter rows', 'aria-label': `Filter the ${side === 'user' ? "user's" : "owner's"} rows`, spellcheck: 'false' });
    this.filter.addEventListener('input', () => {
      window.clearTimeout(this.filterTimer);
      this.filterTimer = window.setTimeout(() => this.grid.setFilter(this.filter.value), FILTER_DELAY_MS);
    });
    this.filter.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        window.clearTimeout(this.filterTimer);
        this.grid.setFilter(this.filter.value);
      }
    });
    if (side === 'owner') {
      this.onlyHidden = el('input', { type: 'checkbox', id: 'owner-only-hidden' });
      this.onlyHidden.addEventListener('change', () => this.grid.setOnlyHidden(this.onlyHidden!.checked));
    }
    this.copyButtons = [
      button('Copy cell', { icon: 'copy', kind: 'icon', title: 'Copy the selected cell (Ctrl+C)', onClick: () => this.grid.copyActive('cell') }),
      button('Copy row', { icon: 'list-flat', kind: 'icon', title: 'Copy the selected row as CSV (Ctrl+Shift+C)', onClick: () => this.grid.copyActive('row') }),
    ];
    this.toolbar = el(
      'div',
      { class: 'pane-toolbar' },
      el('span', { class: 'filter-wrap' }, icon('filter'), this.filter),
      this.onlyHidden ? el('label', { class: 'check', for: 'owner-only-hidden' }, this.onlyHidden, el('span', { text: 'Only hidden rows' })) : null,
      ...this.copyButtons,
      button('Export CSV', { icon: 'export', title: 'Save the rows shown as CSV', onClick: () => void this.export('csv') }),
      button('Export JSON', { icon: 'json', title: 'Save the rows shown as JSON', onClick: () => void this.export('json') }),
    );
    this.bannerEl = el('div', { class: 'pane-banner' });
    this.bannerEl.hidden = true;
    this.bodyEl = el('div', { class: 'pane-body' });
    this.element = el(
      'section',
      { class: `pane pane-${side}`, 'aria-labelledby': `${side}-title`, 'data-side': side },
      el('header', { class: 'pane-head' }, this.titleEl, this.stats, this.hiddenBadge),
      this.toolbar,
      this.bannerEl,
      this.bodyEl,
    );
    this.showMessage('Run a statement to see the rows.', 'play');
  }

  setTitle(title: string): void {
    this.titleEl.textContent = title;
  }

  showRows(result: ResultSetOf<PackedRowReader>, hidden?: Uint8Array, hiddenCount = 0): void {
    this.durationMs = result.durationMs;
    this.hiddenCount = hidden ? hiddenCount : 0;
    if (result.fields.length === 0) {
      // A write without RETURNING: there is nothing to list, only the command tag.
      this.grid.clear();
      this.toolbar.hidden = true;
      this.showMessage(`${result.command}${result.rowCount === null ? '' : ` ${result.rowCount}`}: ${describeCommand(result)}`, 'check');
      this.stats.textContent = `${result.command} · ${formatDuration(result.durationMs)}`;
      this.hiddenBadge.hidden = true;
      return;
    }
    this.toolbar.hidden = false;
    this.filter.value = '';
    if (this.onlyHidden) {
      this.onlyHidden.checked = false;
      this.onlyHidden.disabled = !hidden || hiddenCount === 0;
    }
    this.grid.setFilter('');
    this.grid.setOnlyHidden(false);
    this.bodyEl.replaceChildren(this.grid.element);
    this.grid.setData(result, hidden);
    this.hiddenBadge.hidden = this.hiddenCount === 0;
    this.hiddenBadge.replaceChildren(icon('eye-closed'), el('span', { text: `${plural(this.hiddenCount, 'row')} hidden from the user` }));
  }

  showError(error: ExplainedError): void {
    this.reset();
    this.stats.textContent = 'error';
    this.bodyEl.replaceChildren(explainedErrorCard(error, this.deps.side, this.deps.runFix));
  }

  showMessage(text: string, iconName = 'info'): void {
    this.reset();
    this.bodyEl.replaceChildren(el('div', { class: 'pane-message' }, icon(iconName), el('span', { text })));
  }

  showRunning(): void {
    this.setBanner(undefined);
    this.bodyEl.replaceChildren(el('div', { class: 'pane-message' }, el('span', { class: 'codicon codicon-loading codicon-modifier-spin', 'aria-hidden': 'true' }), el('span', { text: 'Running…' })));
    this.stats.textContent = '';
    this.hiddenBadge.hidden = true;
    this.toolbar.hidden = true;
  }

  setBanner(banner: Banner | undefined): void {
    this.bannerEl.hidden = !banner;
    if (!banner) {
      this.bannerEl.replaceChildren();
      return;
    }
    this.bannerEl.className = `pane-banner banner-${banner.level}`;
    this.bannerEl.replaceChildren(icon(banner.icon), el('div', {}, el('strong', { class: 'banner-title', text: banner.title }), el('p', { class: 'banner-message', text: banner.message })));
  }

  private reset(): void {
    this.grid.clear();
    this.toolbar.hidden = true;
    this.stats.textContent = '';
    this.hiddenBadge.hidden = true;
  }

  private updateStats(): void {
    const { shown, total } = this.grid.counts();
    const rows = shown === total ? plural(total, 'row') : `${shown.toLocaleString('en-US')} of ${plural(total, 'row')}`;
    this.stats.textContent = `${rows} · ${formatDuration(this.durationMs)}`;
    const canCopy = this.grid.hasActiveCell();
    for (const b of this.copyButtons) b.disabled = !canCopy;
  }

  private async copy(what: 'cell' | 'row', text: string): Promise<void> {
    try {
      await this.deps.host.request('copy', { what, text });
      this.deps.report('info', what === 'cell' ? 'Copied the cell.' : 'Copied the row as CSV.');
    } catch (e) {
      this.deps.report('error', `Could not copy: ${errorText(e)}`, fixesOf(e));
    }
  }

  private async export(format: 'csv' | 'json'): Promise<void> {
    const data = this.grid.data;
    if (!data) return;
    const order = this.grid.viewOrder();
    const content = format === 'csv' ? toCsv(data, order) : toJson(data, order);
    try {
      const { saved, location } = await this.deps.host.request('export', {
        format,
        grid: this.deps.side,
        content,
        suggestedName: `${this.deps.side === 'user' ? 'user' : 'owner'}-rows.${format}`,
      });
      if (saved) this.deps.report('info', `Exported ${plural(order.length, 'row')}${location ? ` to ${location}` : ''}.`);
    } catch (e) {
      this.deps.report('error', `Could not export: ${errorText(e)}`, fixesOf(e));
    }
  }
}

function describeCommand(result: ResultSetOf<unknown>): string {
  if (result.rowCount === null) return 'done.';
  return `${plural(result.rowCount, 'row')} affected.`;
}

/** What went wrong, what to do, the Postgres details, and a button per available fix. */
export function explainedErrorCard(error: ExplainedError, side: string, runFix: (action: FixButton) => void): HTMLElement {
  const headingId = `${side}-error-title`;
  const details: HTMLElement[] = [];
  const detail = (term: string, value: string | undefined, cls: string) => {
    if (value) details.push(el('dt', { text: term }), el('dd', { class: cls, text: value }));
  };
  detail('Code', error.code, 'error-code mono');
  detail('Detail', error.detail, 'error-detail');
  detail('Hint', error.hint, 'error-hint');
  return el(
    'div',
    { class: 'error-card', role: 'group', 'aria-labelledby': headingId },
    el('h3', { id: headingId, class: 'error-title' }, icon('error'), el('span', { text: error.title })),
    el('p', { class: 'error-message', text: error.message }),
    details.length ? el('dl', { class: 'error-details' }, ...details) : null,
    error.fixes?.length
      ? el('div', { class: 'row fixes' }, ...error.fixes.map((fix) => button(fix.label, { icon: 'wrench', kind: 'primary', onClick: () => runFix(fix) })))
      : null,
  );
}
