// The RLS Advisor: Neon-aware lints of a live schema. Plain TypeScript, no `vscode`: the CLI
// (`naw lint`) and the extension's Problems-panel diagnostics both build on it.
export { lintDatabase, lintSnapshot, UnknownRuleError, type LintOptions } from './lint';
export { ADVISOR_RULES, ADVISOR_RULE_INFO, NEON_PG_SESSION_JWT_VERSION, type AdvisorRule } from './rules';
export { introspectAdvisorCatalog, type AdvisorCatalog, type ViewInfo, type SecurityDefinerFunctionInfo, type OwnedTableInfo, type PublicTableGrantInfo } from './catalog';
export {
  analyzeExpression,
  wrapPerRowCalls,
  replaceClaimSettingReads,
  type ExpressionAnalysis,
  type SessionCall,
  type PerRowReason,
} from './expressions';
export { definitionSourceOf } from './sources';
export {
  findDrizzleDefinitions,
  findSqlDefinitions,
  indexDefinitions,
  placeFinding,
  placementKeys,
  type Definition,
  type DefinitionIndex,
  type DefinitionKind,
  type SourceFile,
  type SourcePosition,
  type SourceRange,
} from './placement';
export {
  ADVISOR_TOOL_NAME,
  exitCodeFor,
  FAIL_ON_VALUES,
  formatJson,
  formatReport,
  formatSarif,
  formatText,
  REPORT_FORMATS,
  type FailOn,
  type FormatOptions,
  type ReportFormat,
} from './report';
export {
  ADVISOR_LEVELS,
  atLeast,
  describeObject,
  objectKey,
  type AdvisorCategory,
  type AdvisorFinding,
  type AdvisorLevel,
  type AdvisorObject,
  type AdvisorRuleInfo,
  type LintReport,
} from './types';
