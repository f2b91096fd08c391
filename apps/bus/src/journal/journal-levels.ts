import { ValidateBy } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { typeMatcher } from '../routing/type-pattern';

/**
 * What the journal keeps of a message (`journal.levels` in bus.yaml, by message type):
 * - `full`: the message, its texts and every step at every destination (the default);
 * - `failures`: only messages that fail somewhere: from a destination's first failed attempt on, that
 *   destination's steps, with the message's canonical text (not its native body). A message delivered at the
 *   first attempt leaves no trace, which spares a high-volume feed (call records) most of the journal's cost.
 */
export type JournalLevel = 'full' | 'failures';

export const JOURNAL_LEVELS: readonly JournalLevel[] = ['full', 'failures'];

type Compiled = Array<{ matches: (type: string) => boolean; level: JournalLevel }>;
// Keyed by the config's own object, so each config version compiles its patterns once.
const compiled = new WeakMap<object, Compiled>();

/** The level of `type`: the first pattern in `levels` (file order) that matches it, else `full`. */
export function journalLevelOf(levels: Readonly<Record<string, JournalLevel>> | undefined, type: string): JournalLevel {
  if (!levels) return 'full';
  let rules = compiled.get(levels);
  if (!rules) {
    rules = Object.entries(levels).map(([pattern, level]) => ({ matches: typeMatcher(pattern), level }));
    compiled.set(levels, rules);
  }
  for (const rule of rules) if (rule.matches(type)) return rule.level;
  return 'full';
}

/** `journal.levels:` message type or pattern (each key must match `typePattern`) -> `full` or `failures`. */
export function JournalLevelMap(typePattern: RegExp): PropertyDecorator {
  return (target, key) => {
    ValidateBy({
      name: 'isJournalLevelMap',
      validator: {
        validate: (v) =>
          typeof v === 'object' && v !== null && !Array.isArray(v) &&
          Object.entries(v).every(([type, level]) => typePattern.test(type) && JOURNAL_LEVELS.includes(level as JournalLevel)),
        defaultMessage: (args) => {
          const hint = `must map message types or patterns to ${JOURNAL_LEVELS.join(' or ')}, e.g. { usage.#: failures }`;
          const v = args?.value;
          if (typeof v !== 'object' || v === null || Array.isArray(v)) return hint;
          const bad = Object.entries(v).find(([type, level]) => !typePattern.test(type) || !JOURNAL_LEVELS.includes(level as JournalLevel));
          if (!bad) return hint;
          return typePattern.test(bad[0])
            ? `${hint}; "${bad[0]}" has ${JSON.stringify(bad[1])}`
            : `${hint}; "${bad[0]}" is not a message type or pattern (segments separated by ".", "*" = one segment, "#" = any rest)`;
        },
      },
    })(target, key as string);
    JSONSchema(() => ({
      type: 'object',
      default: {},
      description:
        'Message type or pattern -> what the journal keeps of it: full (default) or failures (only messages that fail, from their first failed attempt on); the first matching pattern wins',
      propertyNames: { pattern: typePattern.source },
      additionalProperties: { enum: [...JOURNAL_LEVELS] },
    }))(target, key as string);
  };
}
