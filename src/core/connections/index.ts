export {
  InvalidConnectionUrlError,
  maskConnectionUrl,
  describeConnection,
  isConnectionUrl,
  isNeonHost,
  splitConnectionSecret,
  joinConnectionSecret,
  type ConnectionDescription,
} from './url';
export { parseDotenv, expandDotenvValue, type DotenvEntry, type ExpansionResult } from './dotenv';
export {
  findEnvConnections,
  type EnvMode,
  type EnvConnectionPurpose,
  type EnvFile,
  type EnvDefinitionSite,
  type EnvConnection,
  type EnvWarningKind,
  type EnvWarning,
  type EnvDirectoryConnections,
  type EnvDiscovery,
  type EnvDiscoveryOptions,
} from './envDiscovery';
export { routeConnectionToEndpoint, ensureFetchRouting, endpointFor } from './fetchEndpoints';
export {
  classifyConnectionError,
  type ConnectionErrorKind,
  type ConnectionProblem,
} from './classifyError';
export {
  assertNoSecretsInSettings,
  findSecretsInSettings,
  SecretInSettingsError,
  type SecretFinding,
  type SecretKind,
} from './settingsSafety';
