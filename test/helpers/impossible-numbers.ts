/**
 * Walks a report (before JSON.stringify, which would turn NaN and Infinity
 * into null and hide them) and lists every number that cannot be a figure:
 * NaN, ±Infinity, a negative value, a count that is not an exact integer.
 * Receptive-field offsets are the one signed, fractional figure (a field
 * centred in the padding sits at −0.5).
 */
export function impossibleNumbers(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') {
    const signed = /\.receptiveField\.offset\[\d+\]$/.test(path);
    const fractional = signed || /\.receptiveField\.(stride|size)\[\d+\]$/.test(path);
    if (!Number.isFinite(value)) return [`${path} = ${value}`];
    if (!signed && value < 0) return [`${path} = ${value}`];
    if (!fractional && !Number.isSafeInteger(value)) return [`${path} = ${value}`];
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => impossibleNumbers(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => impossibleNumbers(v, `${path}.${k}`));
  }
  return [];
}
