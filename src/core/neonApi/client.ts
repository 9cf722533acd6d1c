// The few Neon API calls the extension makes, over @neondatabase/api-client, with pagination, bounded
// retries on "busy"/"rate limited" answers, and errors that say what to do (see errors.ts).

import {
  createApiClient,
  type Branch,
  type Database,
  type JWKS,
  type Operation,
  type Organization,
  type ProjectListItem,
  type Role,
} from '@neondatabase/api-client';
import {
  NeonApiError,
  isAxiosLikeError,
  parseRetryAfter,
  readHeader,
  toNeonApiError,
  type NotFoundContext,
} from './errors';
import { maskSecrets } from '../secrets';

export const DEFAULT_NEON_API_BASE_URL = 'https://console.neon.tech/api/v2';

export interface NeonApiOptions {
  apiKey: string;
  /** Default {@link DEFAULT_NEON_API_BASE_URL}; tests point it at a local server. */
  baseURL?: string;
  /** Per request; default 30 000 ms. */
  timeoutMs?: number;
  /**
   * Automatic retries of a request answered 429, 423 or 503 (Neon documents those as safe to retry) when
   * the wait it asks for (Retry-After, else 1 s) is at most {@link maxRetryWaitSeconds}. Default 2.
   */
  maxRetries?: number;
  /** Longest Retry-After honoured automatically; a longer one is reported to the user. Default 5. */
  maxRetryWaitSeconds?: number;
  /** One line per request (method, path, status, request id). Never contains the API key. */
  log?: (line: string) => void;
}

export interface ConnectionUriRequest {
  projectId: string;
  branchId: string;
  databaseName: string;
  roleName: string;
  /** Ask for the `-pooler` host. */
  pooled?: boolean;
}

export interface AddJwksRequest {
  jwksUrl: string;
  providerName: string;
  /** Scope to one branch; all branches when absent. */
  branchId?: string;
  jwtAudience?: string;
  /** Roles that may use this key set; Neon's defaults (authenticated, anonymous…) when absent. */
  roleNames?: string[];
}

export interface NeonApi {
  listOrganizations(): Promise<Organization[]>;
  /** All projects (every page). `org_id` is needed with a personal key whose user is in organizations. */
  listProjects(options?: { org_id?: string; search?: string }): Promise<ProjectListItem[]>;
  listBranches(projectId: string): Promise<Branch[]>;
  listDatabases(projectId: string, branchId: string): Promise<Database[]>;
  listRoles(projectId: string, branchId: string): Promise<Role[]>;
  /** The connection URI (with the role's password) for one database and role. Secret: mask before showing. */
  getConnectionUri(request: ConnectionUriRequest): Promise<string>;
  listJwks(projectId: string): Promise<JWKS[]>;
  addJwks(projectId: string, request: AddJwksRequest): Promise<{ jwks: JWKS; operations: Operation[] }>;
  deleteJwks(projectId: string, jwksId: string): Promise<JWKS>;
}

const PROJECT_PAGE_SIZE = 400; // the API's maximum
const MAX_PAGES = 50;

export function createNeonApi(options: NeonApiOptions): NeonApi {
  const apiKey = options.apiKey.trim();
  const baseURL = (options.baseURL ?? DEFAULT_NEON_API_BASE_URL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 2;
  const maxRetryWaitSeconds = options.maxRetryWaitSeconds ?? 5;
  const log = options.log;
  if (apiKey === '') {
    throw new NeonApiError(
      'No Neon API key is set. Create one in the Neon Console (Account settings → API keys), then set it with the ' +
        'Neon Authorize sign-in command.',
      { kind: 'unauthorized', operation: 'connect to the Neon API' },
    );
  }
  const client = createApiClient({ apiKey, baseURL, timeout: timeoutMs });
  if (log) {
    const started = new WeakMap<object, number>();
    const describe = (config: { method?: string; url?: string; params?: unknown } | undefined): string => {
      const query = config?.params && typeof config.params === 'object'
        ? Object.entries(config.params as Record<string, unknown>)
            .filter(([, v]) => v !== undefined && v !== null)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join('&')
        : '';
      return `${(config?.method ?? 'get').toUpperCase()} ${config?.url ?? ''}${query ? '?' + query : ''}`;
    };
    client.instance.interceptors.request.use((config) => {
      started.set(config, Date.now());
      return config;
    });
    client.instance.interceptors.response.use(
      (response) => {
        const ms = Date.now() - (started.get(response.config) ?? Date.now());
        const requestId = (response.headers as Record<string, unknown>)['x-request-id'];
        log(maskSecrets(`${describe(response.config)} -> ${response.status} in ${ms} ms${requestId ? ` (request id ${String(requestId)})` : ''}`, [apiKey]));
        return response;
      },
      (error: unknown) => {
        const e = error as { config?: { method?: string; url?: string; params?: unknown }; response?: { status?: number }; code?: string };
        log(maskSecrets(`${describe(e.config)} -> ${e.response?.status ?? e.code ?? 'failed'}`, [apiKey]));
        return Promise.reject(error);
      },
    );
  }

  const sleep = (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

  async function call<T>(operation: string, request: () => Promise<{ data: T }>, notFound?: NotFoundContext): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await request()).data;
      } catch (err) {
        const status = isAxiosLikeError(err) ? err.response?.status : undefined;
        if (attempt < maxRetries && (status === 429 || status === 423 || status === 503) && isAxiosLikeError(err)) {
          const wait = parseRetryAfter(readHeader(err.response?.headers, 'retry-after')) ?? 1;
          if (wait <= maxRetryWaitSeconds) {
            log?.(`retrying "${operation}" in ${wait} s after HTTP ${status}`);
            await sleep(wait);
            continue;
          }
        }
        throw toNeonApiError(err, { operation, apiKey, baseURL, timeoutMs, notFound });
      }
    }
  }

  const project = (projectId: string): NotFoundContext => ({
    what: `project "${projectId}"`,
    todo: 'pick the project again',
  });
  const branch = (projectId: string, branchId: string): NotFoundContext => ({
    what: `project "${projectId}" or its branch "${branchId}"`,
    todo: 'pick the project and branch again',
  });

  return {
    async listOrganizations() {
      const data = await call('list your Neon organizations', () => client.getCurrentUserOrganizations());
      return data.organizations;
    },

    async listProjects(opts = {}) {
      const projects: ProjectListItem[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const data = await call(
          'list Neon projects',
          () => client.listProjects({ limit: PROJECT_PAGE_SIZE, cursor, org_id: opts.org_id, search: opts.search }),
          opts.org_id ? { what: `organization "${opts.org_id}"`, todo: 'pick the organization again' } : undefined,
        );
        projects.push(...data.projects);
        const next = data.pagination?.cursor;
        if (data.projects.length < PROJECT_PAGE_SIZE || !next || next === cursor) break;
        cursor = next;
      }
      return projects;
    },

    async listBranches(projectId) {
      const branches: Branch[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const data = await call(
          `list the branches of project "${projectId}"`,
          () => client.listProjectBranches({ projectId, cursor }),
          project(projectId),
        );
        branches.push(...data.branches);
        const next = data.pagination?.next;
        if (data.branches.length === 0 || !next || next === cursor) break;
        cursor = next;
      }
      return branches;
    },

    async listDatabases(projectId, branchId) {
      const data = await call(
        `list the databases of branch "${branchId}"`,
        () => client.listProjectBranchDatabases(projectId, branchId),
        branch(projectId, branchId),
      );
      return data.databases;
    },

    async listRoles(projectId, branchId) {
      const data = await call(
        `list the roles of branch "${branchId}"`,
        () => client.listProjectBranchRoles(projectId, branchId),
        branch(projectId, branchId),
      );
      return data.roles;
    },

    async getConnectionUri(request) {
      const data = await call(
        `get the connection string for role "${request.roleName}" on database "${request.databaseName}"`,
        () =>
          client.getConnectionUri({
            projectId: request.projectId,
            branch_id: request.branchId,
            database_name: request.databaseName,
            role_name: request.roleName,
            pooled: request.pooled,
          }),
        {
          what: `project "${request.projectId}", branch "${request.branchId}", database "${request.databaseName}" or role "${request.roleName}"`,
          todo: 'pick the branch, database and role again (the authenticated role exists once pg_session_jwt is installed)',
        },
      );
      return data.uri;
    },

    async listJwks(projectId) {
      const data = await call(
        `list the authentication providers of project "${projectId}"`,
        () => client.getProjectJwks(projectId),
        project(projectId),
      );
      return data.jwks;
    },

    async addJwks(projectId, request) {
      const data = await call(
        `register the JWKS URL of ${request.providerName} on project "${projectId}"`,
        () =>
          client.addProjectJwks(projectId, {
            jwks_url: request.jwksUrl,
            provider_name: request.providerName,
            branch_id: request.branchId,
            jwt_audience: request.jwtAudience,
            role_names: request.roleNames,
          }),
        request.branchId ? branch(projectId, request.branchId) : project(projectId),
      );
      return { jwks: data.jwks, operations: data.operations };
    },

    async deleteJwks(projectId, jwksId) {
      return call(`remove the authentication provider "${jwksId}" from project "${projectId}"`, () =>
        client.deleteProjectJwks(projectId, jwksId),
        {
          what: `the authentication provider "${jwksId}" of project "${projectId}"`,
          todo: 'refresh the provider list (it may already be removed)',
        },
      );
    },
  };
}
