/**
 * Lookup tables keyed by strings from model files (op types, layer classes,
 * attribute names, dtypes). A plain object literal inherits `constructor`,
 * `toString`, `__proto__`…, so a file naming a layer `constructor` would find
 * Object's constructor in the table instead of nothing. These have no
 * prototype: only their own keys are found.
 */

/** `entries` as an object without a prototype (same type, for existing lookups). */
export function nullProto<T extends object>(entries: T): T {
  return Object.assign(Object.create(null) as T, entries);
}

/** An empty string-keyed record without a prototype, to fill from file data. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `table[key]` only when `key` is the table's own (for tables that have a prototype). */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
