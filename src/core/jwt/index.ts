export type { JwksProviderRegistration } from './types';
export { NeonJwtError, NEON_JWT_MESSAGES, neonHttpErrorBody, type NeonJwtErrorKind, type NeonHttpErrorBody } from './neonJwtError';
export {
  JwksCache,
  fetchJwksLikeNeon,
  neonRetryDelayMs,
  NEON_JWKS_DEFAULTS,
  type JwksCacheOptions,
  type JwksCacheEntry,
  type JwksKeySet,
  type JwksLookup,
  type JwksFetchOptions,
  type JwksFetchResult,
  type JwksFetchAttempt,
  type JwksFailureStage,
  type JwksKeyReport,
} from './jwksCache';
export { parseBearer, verifyLikeNeon, type VerifyLikeNeonOptions, type VerifiedLikeNeon } from './verifyLikeNeon';
export {
  decodeTokenUnverified,
  inspectToken,
  describeRelative,
  TokenDecodeError,
  LONG_LIVED_AFTER_SEC,
  type InspectOptions,
  type TokenInspection,
  type TokenWarning,
  type TokenWarningCode,
  type TimeClaim,
} from './decode';
export { mintToken, parseDuration, generateSigningKey, MintError, type MintAlg, type MintTokenOptions, type SigningKey } from './mint';
export { parseTokenLikeNeon, JOSE_SIGNING_ALGORITHMS, type JoseSigningAlgorithm, type NeonTokenParts, type NeonTokenParseResult } from './neonTokenFormat';
export { parseJwkLikeNeon, neonKeySupportsAlg, describeNeonKeyUse, type NeonJwk, type NeonKeyType } from './neonJwk';
