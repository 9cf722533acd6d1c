export {
  createNeonApi,
  DEFAULT_NEON_API_BASE_URL,
  type NeonApi,
  type NeonApiOptions,
  type ConnectionUriRequest,
  type AddJwksRequest,
} from './client';
export {
  NeonApiError,
  toNeonApiError,
  parseRetryAfter,
  type NeonApiErrorKind,
  type NeonApiErrorInit,
  type NotFoundContext,
} from './errors';
export type { Branch, Database, JWKS, Operation, Organization, ProjectListItem, Role } from '@neondatabase/api-client';
