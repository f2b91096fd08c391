import { ErrorCodes } from '@bus/canonical-model';

/** Row-level refusals: the record is bad, the file goes on. Anything else stops the file for a later retry. */
const ROW_LEVEL_CODES = new Set<string>([
  ErrorCodes.CODEC_PARSE_FAILED,
  ErrorCodes.CODEC_UNSAFE_INPUT,
  ErrorCodes.ADAPTER_MAPPING_FAILED,
  ErrorCodes.CANONICAL_INVALID,
  ErrorCodes.CANONICAL_UNKNOWN_TYPE,
]);

export const isRowLevel = (e: unknown): boolean => {
  const { retryable, code } = (e ?? {}) as { retryable?: unknown; code?: unknown };
  return retryable === false || (typeof code === 'string' && ROW_LEVEL_CODES.has(code));
};

/** `column 7` / `line 3, column 7` in an error's location or message, for the report. */
export const columnOf = (e: unknown): number | undefined => {
  const text = `${(e as { location?: string }).location ?? ''} ${(e as Error).message ?? ''}`;
  const m = /column (\d+)/i.exec(text);
  return m ? Number(m[1]) : undefined;
};
