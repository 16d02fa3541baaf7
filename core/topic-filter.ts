/**
 * Why `filter` is not a valid topic filter, or undefined: not empty, no U+0000 [MQTT-4.7.3-1],
 * [MQTT-4.7.3-2]; `#` only as a whole last level [MQTT-4.7.1-2]; `+` only as a whole level
 * [MQTT-4.7.1-3].
 */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter is at least one character';
  if (filter.includes('\u0000')) return 'a topic filter holds no U+0000';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1))
      return `'#' only as the whole last level (${filter})`;
    if (l.includes('+') && l !== '+') return `'+' only as a whole level (${filter})`;
  }
  return undefined;
}
