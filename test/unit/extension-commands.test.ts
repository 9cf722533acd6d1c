// The command registry (src/extension/commands/registry.ts) and package.json describe the same commands:
// each entry is contributed with its title, category and icon, nothing is contributed that the registry
// lacks, and every menu, keybinding and welcome link names a command the registry has.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COMMAND_CATEGORY, COMMANDS, type CommandEntry } from '../../src/extension/commands/registry';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}

interface Contributes {
  commands?: ContributedCommand[];
  menus?: Record<string, { command?: string; submenu?: string }[]>;
  keybindings?: { command: string }[];
  viewsWelcome?: { view: string; contents: string }[];
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { contributes?: Contributes };
const contributes = manifest.contributes ?? {};
const contributed = contributes.commands ?? [];
const entries: CommandEntry[] = Object.values(COMMANDS);
const byId = new Map(entries.map((e) => [e.id, e]));

describe('extension command registry and package.json', () => {
  it('has one entry per id', () => {
    assert.equal(byId.size, entries.length, 'two registry entries share an id');
    const ids = contributed.map((c) => c.command);
    assert.equal(new Set(ids).size, ids.length, 'package.json contributes a command twice');
  });

  it('contributes every registry entry with its title, icon and the "Neon Authorize" category', () => {
    assert.equal(COMMAND_CATEGORY, 'Neon Authorize');
    for (const entry of entries.filter((e) => !e.internal)) {
      const declared = contributed.find((c) => c.command === entry.id);
      assert.ok(declared, `${entry.id} is in the registry but not in package.json contributes.commands`);
      assert.deepEqual(
        { title: declared.title, category: declared.category, icon: declared.icon },
        { title: entry.title, category: COMMAND_CATEGORY, icon: entry.icon },
        `${entry.id} differs between the registry and package.json`,
      );
    }
  });

  it('does not contribute the internal commands (the palette would offer them without their argument)', () => {
    const internal = entries.filter((e) => e.internal).map((e) => e.id);
    assert.deepEqual(contributed.filter((c) => internal.includes(c.command)).map((c) => c.command), []);
  });

  it('has every contributed command in the registry', () => {
    const unknown = contributed.map((c) => c.command).filter((id) => !byId.has(id));
    assert.deepEqual(unknown, [], `contributed but not in the registry: ${unknown.join(', ')}`);
  });

  it('names only registered commands in menus, keybindings and welcome links', () => {
    const named: { where: string; id: string }[] = [];
    for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
      for (const item of items) if (item.command) named.push({ where: `menus.${menu}`, id: item.command });
    }
    for (const binding of contributes.keybindings ?? []) named.push({ where: 'keybindings', id: binding.command });
    for (const welcome of contributes.viewsWelcome ?? []) {
      for (const link of welcome.contents.matchAll(/\(command:([\w.-]+)/g)) named.push({ where: `viewsWelcome ${welcome.view}`, id: link[1]! });
    }
    assert.ok(named.length > 0, 'package.json names no command in menus, keybindings or welcome links');
    const unknown = named.filter((n) => !byId.has(n.id) || byId.get(n.id)!.internal);
    assert.deepEqual(unknown, [], 'names a command the registry does not contribute');
  });
});
