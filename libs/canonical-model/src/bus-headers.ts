/** AMQP headers the bus sets. Message properties (messageId, correlationId, type) carry the rest. */
export const BusHeaders = {
  /** Name of the system that sent the message into the bus. */
  SOURCE: 'x-bus-source',
  /** Content hash of the config version that routed the message. */
  CONFIG_VERSION: 'x-bus-config-version',
  /** JSON object: destination system -> name of the route that sent it there. */
  ROUTES: 'x-bus-routes',
  /** Delivery attempts made so far at this destination (0 on first delivery). */
  ATTEMPTS: 'x-bus-attempts',
  /** The destination system a retried or dead-lettered copy belongs to. */
  DESTINATION: 'x-bus-destination',
  /** Epoch milliseconds when ingress accepted the message (latency measurement). */
  ACCEPTED_AT: 'x-bus-accepted-at',
  /** Error code (AREA.REASON) of the last failure. */
  FAULT_CODE: 'x-bus-fault-code',
  /** Human-readable message of the last failure. */
  FAULT_MESSAGE: 'x-bus-fault-message',
  /** Adapter id that failed. */
  FAULT_ADAPTER: 'x-bus-fault-adapter',
  /** ISO-8601 time of the first failure at this destination. */
  FIRST_FAILED_AT: 'x-bus-first-failed-at',
  /** Id of a dead-letter copy: its entry in the store's dead-letter index (what the admin API lists). */
  DEAD_LETTER_ID: 'x-bus-dead-letter-id',
  /** Epoch milliseconds after which the asker of a query no longer waits for the answer. */
  DEADLINE: 'x-bus-deadline',
  /** On a bundle (several messages in one AMQP message, see the messaging README): how many it carries. */
  BUNDLE: 'x-bus-bundle',
} as const;

export type BusHeader = (typeof BusHeaders)[keyof typeof BusHeaders];

/** The route that sent a copy to `system`, read from its `x-bus-routes` header; undefined when the header lacks it. */
export function routeOf(headers: Readonly<Record<string, unknown>>, system: string): string | undefined {
  const raw = headers[BusHeaders.ROUTES];
  if (typeof raw !== 'string') return undefined;
  try {
    const route = (JSON.parse(raw) as Record<string, unknown>)[system];
    return typeof route === 'string' ? route : undefined;
  } catch {
    return undefined;
  }
}
