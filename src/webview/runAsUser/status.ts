// The panel's message line: outcomes of actions, host notifications and errors, with a button for each
// fix the host offered. Messages are announced to screen readers (role=status / role=alert).
import type { FixButton } from '../../core/runAsUserProtocol/messages';
import { button, el, icon } from './dom';

export type Level = 'info' | 'warning' | 'error';
export type Reporter = (level: Level, message: string, fixes?: readonly FixButton[]) => void;

export class StatusLine {
  readonly element: HTMLElement;
  private readonly polite: HTMLElement;
  private readonly assertive: HTMLElement;

  constructor(private readonly runFix: (action: FixButton) => void) {
    this.polite = el('div', { role: 'status', class: 'status-region' });
    this.assertive = el('div', { role: 'alert', class: 'status-region' });
    this.element = el('div', { class: 'status-line' }, this.assertive, this.polite);
  }

  readonly report: Reporter = (level, message, fixes = []) => {
    const region = level === 'error' ? this.assertive : this.polite;
    const other = level === 'error' ? this.polite : this.assertive;
    other.replaceChildren();
    const dismiss = button('Dismiss', { icon: 'close', kind: 'icon', onClick: () => region.replaceChildren() });
    region.replaceChildren(
      el(
        'div',
        { class: `status status-${level}` },
        icon(level === 'error' ? 'error' : level === 'warning' ? 'warning' : 'info'),
        el('span', { class: 'status-message', text: message }),
        ...fixes.map((fix) => button(fix.label, { icon: 'wrench', onClick: () => this.runFix(fix) })),
        dismiss,
      ),
    );
  };

  clear(): void {
    this.polite.replaceChildren();
    this.assertive.replaceChildren();
  }
}
