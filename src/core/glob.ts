/** Wildcard patterns (`*` only) as regular expressions, for file names and layer-group names. */

/**
 * `pattern` matched whole, `*` standing for any run of characters allowed by `star` (`.*` in a
 * file name, `[^/]*` within one scope of a layer name); every other character literally.
 */
export function wildcardRegExp(pattern: string, options: { star?: string; ignoreCase?: boolean } = {}): RegExp {
  const source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, options.star ?? '.*');
  return new RegExp(`^${source}$`, options.ignoreCase ? 'i' : '');
}
