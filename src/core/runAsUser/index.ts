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
export { routeConnectionToEndpoint, ensureFetchRouting, endpointFor } from './fetchEndpoints';
export {
  explainError,
  explainRlsBypass,
  explainSqlProblem,
  explainUnrunnable,
  explainMissingToken,
  redactSecrets,
  type ExplainContext,
} from './explainError';
export { RLS_GUARD_MESSAGE, type RelationFacts, type RoleFacts } from './relationFacts';
export { BUILTIN_TYPE_NAMES, keyColumnsOf } from './resultSets';
export type { QueryEvent, QueryListener, SideName } from './sides';
