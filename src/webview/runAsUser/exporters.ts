// CSV and JSON text of the rows on screen (after filter and sort), built in the webview; the host saves it.
import type { ResultSetOf } from '../../core/runAsUserProtocol/messages';
import type { PackedRowReader } from '../../core/runAsUserProtocol/packedRows';
import { columnKind } from './columnTypes';

/** RFC 4180 field. SQL NULL is an empty unquoted field and the empty string is `""`, as Postgres' own
 *  `COPY ... CSV` writes them, so the two stay apart. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  if (value === '' || /[",\r\n]/.test(value) || value.trim() !== value) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

export function csvLine(values: (string | null)[]): string {
  return values.map(csvField).join(',');
}

/** Header line of column names, then one line per row, CRLF-separated (RFC 4180). */
export function toCsv(result: ResultSetOf<PackedRowReader>, order: ArrayLike<number>): string {
  const lines: string[] = [csvLine(result.fields.map((f) => f.name))];
  const rows = result.rows.all();
  for (let i = 0; i < order.length; i++) lines.push(csvLine(rows[order[i]]));
  return lines.join('\r\n') + '\r\n';
}

/** Column names made unique for JSON object keys: a repeated "id" becomes "id_2", "id_3", ... */
export function uniqueKeys(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let n = 2; used.has(key); n++) key = `${name}_${n}`;
    used.add(key);
    return key;
  });
}

/** A value as JSON: SQL NULL → null, booleans → true/false, int2/int4/float → numbers when exact, json/jsonb
 *  → the parsed value, everything else (int8, numeric, text, times, …) → the Postgres text as a string, so
 *  no digit is lost. */
export function jsonValue(kind: ReturnType<typeof columnKind>, typeId: number, value: string | null): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'bool':
      return value === 't' ? true : value === 'f' ? false : value;
    case 'json':
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    case 'integer': {
      if (typeId === 20) return value; // int8 can exceed 2^53
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    case 'number': {
      if (typeId === 1700) return value; // numeric is arbitrary precision
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    default:
      return value;
  }
}

/** An array of objects keyed by column name, pretty-printed. */
export function toJson(result: ResultSetOf<PackedRowReader>, order: ArrayLike<number>): string {
  const keys = uniqueKeys(result.fields.map((f) => f.name));
  const kinds = result.fields.map(columnKind);
  const out: Record<string, unknown>[] = [];
  const rows = result.rows.all();
  for (let i = 0; i < order.length; i++) {
    const row = rows[order[i]];
    // No prototype: a column named "__proto__" must become a plain key, not replace the prototype.
    const obj: Record<string, unknown> = Object.create(null);
    for (let c = 0; c < keys.length; c++) obj[keys[c]] = jsonValue(kinds[c], result.fields[c].dataTypeID, row[c]);
    out.push(obj);
  }
  return JSON.stringify(out, null, 2) + '\n';
}
