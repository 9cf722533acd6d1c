// Column types from the driver's `fields`: how a Postgres text value is shown, sorted and exported.
import type { ResultField } from '../../core/runAsUserProtocol/messages';

export type ColumnKind = 'integer' | 'number' | 'bool' | 'json' | 'text';

// Type OIDs from pg_type.dat (stable across Postgres versions).
const INTEGER_OIDS = new Set([20 /* int8 */, 21 /* int2 */, 23 /* int4 */, 26 /* oid */, 28 /* xid */]);
const NUMBER_OIDS = new Set([700 /* float4 */, 701 /* float8 */, 1700 /* numeric */]);
const BOOL_OID = 16;
const JSON_OIDS = new Set([114 /* json */, 3802 /* jsonb */]);

const TYPE_NAMES: Record<number, string> = {
  16: 'bool', 17: 'bytea', 18: 'char', 19: 'name', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 26: 'oid',
  114: 'json', 700: 'float4', 701: 'float8', 790: 'money', 1042: 'bpchar', 1043: 'varchar', 1082: 'date',
  1083: 'time', 1114: 'timestamp', 1184: 'timestamptz', 1186: 'interval', 1266: 'timetz', 1700: 'numeric',
  2950: 'uuid', 3802: 'jsonb', 1000: 'bool[]', 1007: 'int4[]', 1016: 'int8[]', 1009: 'text[]', 2951: 'uuid[]',
};

export function columnKind(field: ResultField): ColumnKind {
  const id = field.dataTypeID;
  if (INTEGER_OIDS.has(id)) return 'integer';
  if (NUMBER_OIDS.has(id)) return 'number';
  if (id === BOOL_OID) return 'bool';
  if (JSON_OIDS.has(id)) return 'json';
  switch (field.typeName) {
    case 'int2': case 'int4': case 'int8': case 'smallint': case 'integer': case 'bigint':
      return 'integer';
    case 'float4': case 'float8': case 'numeric': case 'real': case 'double precision':
      return 'number';
    case 'bool': case 'boolean':
      return 'bool';
    case 'json': case 'jsonb':
      return 'json';
    default:
      return 'text';
  }
}

export function typeLabel(field: ResultField): string {
  return field.typeName ?? TYPE_NAMES[field.dataTypeID] ?? `oid ${field.dataTypeID}`;
}

/** What a cell shows (the exact value goes to copy and export). Postgres booleans are 't'/'f'. */
export function displayText(kind: ColumnKind, value: string): string {
  if (kind === 'bool') return value === 't' ? 'true' : value === 'f' ? 'false' : value;
  return value;
}

export type Comparator = (a: string, b: string) => number;

const collator = new Intl.Collator(undefined, { sensitivity: 'variant' });

export function comparatorFor(kind: ColumnKind): Comparator {
  switch (kind) {
    case 'integer':
    case 'number':
      return compareNumericText;
    case 'bool':
      return (a, b) => (a === b ? 0 : a === 'f' ? -1 : b === 'f' ? 1 : a < b ? -1 : 1);
    default:
      return collator.compare;
  }
}

/** Compares two numbers in Postgres text form exactly (int8 and numeric exceed doubles), NaN last as in
 *  Postgres. Values in exponent form (float4/float8 output) fall back to doubles. */
export function compareNumericText(a: string, b: string): number {
  const special = /[eEIN]/;
  if (special.test(a) || special.test(b)) {
    const x = toDouble(a);
    const y = toDouble(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  if (negA !== negB) {
    // -0 and 0 (and -0.0) are equal.
    if (isZero(a) && isZero(b)) return 0;
    return negA ? -1 : 1;
  }
  const m = compareMagnitude(negA ? a.slice(1) : a, negB ? b.slice(1) : b);
  return negA ? -m : m;
}

function toDouble(s: string): number {
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  return Number(s);
}

function isZero(s: string): boolean {
  return /^-?0*\.?0*$/.test(s);
}

function compareMagnitude(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const ia = ai.replace(/^0+(?=\d)/, '');
  const ib = bi.replace(/^0+(?=\d)/, '');
  if (ia.length !== ib.length) return ia.length < ib.length ? -1 : 1;
  if (ia !== ib) return ia < ib ? -1 : 1;
  const fa = af.replace(/0+$/, '');
  const fb = bf.replace(/0+$/, '');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}
