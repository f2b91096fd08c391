/** Fields a log search can use; each is set wherever the code logging knows it. */
export interface LogFields {
  messageId?: string;
  correlationId?: string;
  /** The system the line is about: the destination of a delivery, the source of an inbound message. */
  system?: string;
  route?: string;
  type?: string;
  queue?: string;
  /** An error code (`AREA.REASON`). */
  code?: string;
  attempt?: number;
  [field: string]: string | number | boolean | undefined;
}

/**
 * A log line with fields: `logger.warn(logLine(text, { messageId, system }))`. The JSON logger
 * writes the fields beside `msg`; anything that prints it as text (a test's recording logger)
 * gets the text alone, so the wording stays the one place an operator reads.
 */
export function logLine(text: string, fields: LogFields): LogFields & { msg: string } {
  const line: LogFields & { msg: string } = { msg: text };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) line[key] = value;
  // Not enumerable: the JSON logger copies the fields only.
  Object.defineProperty(line, 'toString', { value: () => text, enumerable: false });
  return line;
}
