// The fixes the workbench offers beside an error or a missing step ("Scaffold Grants", "Select
// Connection", …): one id per fix. The extension turns a fix into the command it runs and labels it with
// that command's title (src/extension/fixCommands.ts); the Run-as-User panel shows it as a button and asks
// the host to run it.
import * as v from 'valibot';

export const FIX_ACTION_IDS = [
  'scaffoldGrants',
  'installPgSessionJwt',
  'addProvider',
  'scaffoldPolicies',
  'enableRls',
  'chooseConnection',
  'openPlayground',
  'connectNeonAccount',
  'openSettings',
] as const;

export type FixActionId = (typeof FIX_ACTION_IDS)[number];

/** A fix: the `action` to take, and what it applies to (`target`), e.g. the table named in "permission
 *  denied for table todos". A schema, as fixes also arrive from the webview. */
export const fixActionSchema = v.object(
  {
    action: v.picklist(FIX_ACTION_IDS, `must be one of ${FIX_ACTION_IDS.join(', ')}`),
    target: v.optional(v.pipe(v.string('must be a string'), v.maxLength(4096, 'is longer than 4096 characters'))),
  },
  'must be an object',
);
export type FixAction = v.InferOutput<typeof fixActionSchema>;

export function fixAction(action: FixActionId, target?: string): FixAction {
  return target ? { action, target } : { action };
}
