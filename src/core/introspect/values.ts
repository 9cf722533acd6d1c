// Catalog values arrive either parsed (node-postgres, PGlite) or as Postgres text (Neon's HTTP API in
// raw text mode). The readers accept both.

export function asString(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

export function asNullableString(v: unknown): string | null {
  return v === null || v === undefined ? null : asString(v);
}

export function asBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v === 't' || v === 'true';
  return Boolean(v);
}

export function asNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/** json/jsonb columns: parsed objects pass through, text is parsed. */
export function asJson<T>(v: unknown, fallback: T): T {
  if (v === null || v === undefined) return fallback;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as T;
    } catch {
      return fallback;
    }
  }
  return v as T;
}
