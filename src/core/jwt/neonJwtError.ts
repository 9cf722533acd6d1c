/**
 * The errors Neon's proxy returns for a bad token on the authenticated HTTP `/sql` path.
 *
 * `message` is Neon's exact text (the `Display` of the proxy's error enums); Neon answers all of
 * them with HTTP 400 and a JSON body whose `code` and `severity` are "" (they are not Postgres
 * errors). `explanation` is the workbench's own reading of the failure: what went wrong and what
 * to do. It is never part of `message`, so a test can compare `message` with what Neon sends.
 *
 * Sources (neondatabase/neon, proxy/src):
 * - serverless/sql_over_http.rs: `ConnInfoError`, `Credentials`, and the 400 body built in `handle`;
 * - auth/backend/jwt.rs: `JwtError`, `JwtClaimsError` (the newest upstream adds the `(exp=N)` /
 *   `(nbf=N)` values to the claim errors);
 * - auth/mod.rs: `AuthError::Jwt` is transparent and `ErrorKind::User`, so it becomes a 400.
 */

export type NeonJwtErrorKind =
  | 'missing-credentials'
  | 'invalid-authorization-header'
  | 'invalid-encoding'
  | 'missing-key-id'
  | 'jwk-not-found'
  | 'signature-algorithm-not-supported'
  | 'invalid-p256-key'
  | 'invalid-rsa-key'
  | 'invalid-rsa-signing-algorithm'
  | 'unsupported-ec-key-type'
  | 'unsupported-key-type'
  | 'signature'
  | 'invalid-audience'
  | 'expired'
  | 'not-yet-valid';

/** Neon's exact user-visible texts. The functions take the values Neon formats into the text. */
export const NEON_JWT_MESSAGES = {
  /** sql_over_http.rs: `#[error("missing authentication credentials: {0}")]` + `#[error("required authorization bearer token in JWT format")]` */
  missingCredentials: 'missing authentication credentials: required authorization bearer token in JWT format',
  /** sql_over_http.rs: `#[error("invalid header: {0}")] InvalidHeader(&'static HeaderName)` with AUTHORIZATION */
  invalidAuthorizationHeader: 'invalid header: authorization',
  /** jwt.rs: `#[error("Provided authentication token is not a valid JWT encoding")] JwtEncoding` */
  invalidEncoding: 'Provided authentication token is not a valid JWT encoding',
  /** jwt.rs: `#[error("missing key id")] MissingKeyId` */
  missingKeyId: 'missing key id',
  /** jwt.rs: `#[error("jwk not found")] JwkNotFound` */
  jwkNotFound: 'jwk not found',
  /** jwt.rs: `#[error("signature algorithm not supported")] SignatureAlgorithmNotSupported` */
  signatureAlgorithmNotSupported: 'signature algorithm not supported',
  /** jwt.rs: `#[error("invalid P256 key")] InvalidP256Key` */
  invalidP256Key: 'invalid P256 key',
  /** jwt.rs: `#[error("invalid RSA key")] InvalidRsaKey` */
  invalidRsaKey: 'invalid RSA key',
  /** jwt.rs: `#[error("invalid RSA signing algorithm")] InvalidRsaSigningAlgorithm` */
  invalidRsaSigningAlgorithm: 'invalid RSA signing algorithm',
  /** jwt.rs: `#[error("unsupported EC key type {0:?}")]` with jose_jwk::EcCurves (Debug: P256, P384, P521, P256K) */
  unsupportedEcKeyType: (curveDebug: string) => `unsupported EC key type ${curveDebug}`,
  /** jwt.rs: `#[error("unsupported key type {0:?}")]` with KeyType (Debug: `Oct`, `Okp(Ed25519)`, ...) */
  unsupportedKeyType: (keyTypeDebug: string) => `unsupported key type ${keyTypeDebug}`,
  /** jwt.rs: `#[error("signature error: {0}")]` with signature::Error, whose Display is "signature error" */
  signature: 'signature error: signature error',
  /** jwt.rs: `#[error("invalid JWT token audience")] InvalidJwtTokenAudience` */
  invalidAudience: 'invalid JWT token audience',
  /** jwt.rs (newest): `#[error("JWT token has expired (exp={0})")] JwtTokenHasExpired(u64)` */
  expired: (exp: bigint | number | string) => `JWT token has expired (exp=${exp})`,
  /** jwt.rs (newest): `#[error("JWT token is not yet ready to use (nbf={0})")] JwtTokenNotYetReadyToUse(u64)` */
  notYetValid: (nbf: bigint | number | string) => `JWT token is not yet ready to use (nbf=${nbf})`,
} as const;

/** The JSON body Neon's `/sql` sends with a 400 for a non-Postgres error (sql_over_http.rs `handle`). */
export interface NeonHttpErrorBody {
  message: string;
  code: string;
  detail: null;
  hint: null;
  position: null;
  internalPosition: null;
  internalQuery: null;
  severity: string;
  where: null;
  table: null;
  column: null;
  schema: null;
  dataType: null;
  constraint: null;
  file: null;
  line: null;
  routine: null;
}

export function neonHttpErrorBody(message: string): NeonHttpErrorBody {
  return {
    message,
    code: '',
    detail: null,
    hint: null,
    position: null,
    internalPosition: null,
    internalQuery: null,
    severity: '',
    where: null,
    table: null,
    column: null,
    schema: null,
    dataType: null,
    constraint: null,
    file: null,
    line: null,
    routine: null,
  };
}

export class NeonJwtError extends Error {
  /** Neon answers every one of these with 400 Bad Request. */
  readonly httpStatus = 400 as const;
  /** Not a Postgres error: Neon sends an empty SQLSTATE. */
  readonly code = '' as const;

  constructor(
    readonly kind: NeonJwtErrorKind,
    message: string,
    /** The workbench's diagnosis for people: what went wrong and what to do. Not sent by Neon. */
    readonly explanation: string,
  ) {
    super(message);
    this.name = 'NeonJwtError';
  }

  /** The body Neon's `/sql` endpoint sends for this error. */
  toHttpBody(): NeonHttpErrorBody {
    return neonHttpErrorBody(this.message);
  }
}
