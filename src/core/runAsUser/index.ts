// Run as user: the engine behind the "Run as User" panel (pure core, no vscode).
export {
  RunAsUserEngine,
  type RunAsUserEngineOptions,
  type RunAsUserRequest,
  type RunAsUserOutcome,
  type ConfirmWriteOutcome,
  type AuthorizeConnections,
  type SelfVerifiedConnection,
} from './engine';
export { chooseDriver, openExecutor, type ConnectionTarget, type DriverKind, type RawField, type RawResult, type SqlExecutor, type SqlStatement, type TransactionOptions } from './executor';
export {
  explainError,
  explainRlsBypass,
  explainSqlProblem,
  explainUnrunnable,
  explainMissingToken,
  type ExplainContext,
} from './explainError';
export { CONFIRMATION_TTL_MS, WriteConfirmations, type ConfirmationCheck } from './writeConfirmations';
export { RLS_GUARD_MESSAGE, type RelationFacts, type RoleFacts } from './relationFacts';
export { BUILTIN_TYPE_NAMES, keyColumnsOf } from './resultSets';
export type { QueryEvent, QueryListener, SideName } from './sides';
export { RUN_PATHS, type Cell, type ExplainedError, type OwnerOutcome, type ResultField, type ResultSet, type RunNote, type RunPath, type RunResult, type SideOutcome } from './outcome';
