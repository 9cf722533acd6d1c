// Fix buttons from explanation to command, in plain Node: every fix an explanation offers reaches the
// panel, each runs its own command, and a notification offers them all; one label per fix, the title of
// the command it runs.
import assert from 'node:assert/strict';
import { FIX_ACTION_IDS, fixAction, type FixAction } from '../../src/core/fixActions';
import type { RunAsUserOutcome } from '../../src/core/runAsUser/engine';
import { validateHostMessage, type HostToWebview, type ResponseMessage } from '../../src/core/runAsUserProtocol/messages';
import type { ActiveConnection } from '../../src/extension/connections/types';
import { COMMANDS } from '../../src/extension/commands/registry';
import { commandForFix, FIX_COMMAND_NAMES, fixButton, fixLabel, offerFixes } from '../../src/extension/fixCommands';
import { SqlHistory } from '../../src/extension/runAsUser/history';
import { RunAsUserHost, type RunEngine } from '../../src/extension/runAsUser/host';
import { PersonaStore } from '../../src/extension/runAsUser/personas';
import { MemorySecrets, MemoryState } from '../support/memoryStores';

const connection: ActiveConnection = {
  kind: 'env',
  label: 'postgresql://neondb_owner@db.example/neondb',
  ownerUrl: 'postgresql://neondb_owner:owner-password@db.example/neondb',
  authenticatedUrl: 'postgresql://authenticated:app-password@db.example/neondb',
};

const twoFixes: FixAction[] = [fixAction('scaffoldGrants', 'public.todos'), fixAction('scaffoldPolicies', 'public.todos')];

/** A host whose engine refuses every run with an explanation that offers `fixes`. */
function hostRefusingWith(fixes: FixAction[]) {
  const posted: HostToWebview[] = [];
  const commands: { id: string; args: unknown[] }[] = [];
  const engine: RunEngine = {
    run: async (): Promise<RunAsUserOutcome> => ({ kind: 'refused', error: { title: 'Not shown: RLS would not apply to "neondb_owner"', message: 'Fix the grants and the policies.', fixes } }),
    inspect: async () => assert.fail('no token is inspected here'),
    close: async () => undefined,
  };
  const state = new MemoryState();
  const host = new RunAsUserHost({
    connections: { current: async () => connection, peek: () => connection, providers: async () => [] },
    personas: new PersonaStore(state, new MemorySecrets()),
    history: new SqlHistory(state),
    post: (m) => {
      const checked = validateHostMessage(m);
      assert.ok(checked.ok, `host sent an invalid message: ${!checked.ok && checked.error}`);
      posted.push(m);
    },
    saveExport: async () => ({ saved: false }),
    copyText: async () => undefined,
    runCommand: async (id, ...args) => void commands.push({ id, args }),
    hasCommand: async () => true,
    loadEngine: async () => engine,
  });
  let nextId = 1;
  const request = async (message: Record<string, unknown>): Promise<ResponseMessage> => {
    const id = nextId++;
    await host.handle({ ...message, id });
    const answer = posted.find((m): m is ResponseMessage => m.type === 'response' && m.id === id);
    assert.ok(answer, `no answer to ${String(message.type)}`);
    return answer;
  };
  return { host, commands, request };
}

describe('run as user: fix buttons', () => {
  it('an explanation with two fixes reaches the panel with both, and each runs its own command', async () => {
    const { host, commands, request } = hostRefusingWith(twoFixes);
    const refused = await request({ type: 'run', sql: 'select * from todos', token: { kind: 'anonymous' }, path: 'self-verified' });
    assert.ok(!refused.ok, 'a refused run is the request error');
    assert.match(refused.error.message, /^Not shown: RLS would not apply/);
    assert.deepEqual(refused.error.fixes, [
      { label: 'Scaffold Grants', action: 'scaffoldGrants', target: 'public.todos' },
      { label: 'Scaffold Policies', action: 'scaffoldPolicies', target: 'public.todos' },
    ]);

    for (const fix of refused.error.fixes ?? []) {
      const started = await request({ type: 'runFix', action: fix.action, ...(fix.target ? { target: fix.target } : {}) });
      assert.ok(started.ok, JSON.stringify(started));
      assert.deepEqual(started.result, { message: `${fix.label} started.` });
    }
    assert.deepEqual(commands, [
      { id: 'neonAuthorize.scaffoldGrants', args: [] },
      { id: 'neonAuthorize.scaffoldPolicies', args: [{ kind: 'table', schema: 'public', name: 'todos' }] },
    ]);
    host.dispose();
  });

  it('a notification shows every fix as a button and runs the one picked', async () => {
    for (const [picked, expected] of [
      ['Scaffold Grants', { command: 'neonAuthorize.scaffoldGrants', args: [] }],
      ['Scaffold Policies', { command: 'neonAuthorize.scaffoldPolicies', args: [{ kind: 'table', schema: 'public', name: 'todos' }] }],
    ] as const) {
      const shown: string[][] = [];
      const ran: { command: string; args: unknown[] }[] = [];
      await offerFixes(
        twoFixes,
        async (...labels) => {
          shown.push(labels);
          return picked;
        },
        async (command, ...args) => void ran.push({ command, args }),
      );
      assert.deepEqual(shown, [['Scaffold Grants', 'Scaffold Policies']]);
      assert.deepEqual(ran, [expected]);
    }
    const ran: string[] = [];
    await offerFixes(twoFixes, async () => undefined, async (command) => void ran.push(command));
    assert.deepEqual(ran, [], 'a dismissed notification runs nothing');
  });

  it('labels each fix with the title of the command it runs', () => {
    for (const action of FIX_ACTION_IDS) {
      const { command, own } = commandForFix({ action });
      if (action === 'openSettings') {
        assert.equal(command, 'workbench.action.openSettings');
        assert.equal(own, false);
        continue;
      }
      const entry = COMMANDS[FIX_COMMAND_NAMES[action]];
      assert.equal(command, entry.id, action);
      assert.equal(fixLabel(action), entry.title, `${action}: its label is the title of ${entry.id}`);
      assert.deepEqual(fixButton(fixAction(action)), { label: entry.title, action });
    }
    assert.equal(fixLabel('chooseConnection'), 'Select Connection');
    assert.equal(fixLabel('openSettings'), 'Open Settings');
  });
});
