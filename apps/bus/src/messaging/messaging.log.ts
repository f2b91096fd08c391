import type { LoggerService } from '@nestjs/common';
import { delayLabel } from './topology';

/** What the messaging classes log through; Nest's `Logger` fits, tests pass a silent one. */
export type MessagingLogger = Pick<LoggerService, 'log' | 'warn' | 'error'>;

/** `amqp://guest:***@host:5672/vhost`: the URL as logs and errors may show it. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

const reason = (err?: Error) => (err?.message ? `: ${err.message}` : '');

/** Log and error texts of the messaging layer, kept in one place. */
export const MessagingLog = {
  cannotConnect: (url: string, err: Error) =>
    `Cannot connect to RabbitMQ at ${url}${reason(err)}. Retrying with backoff. Is the broker running? Start it with "rabbitmq-server -detached" or set AMQP_URL.`,
  lost: (url: string, err?: Error) =>
    `Lost the connection to RabbitMQ at ${url}${reason(err)}. Ingress answers 503 and consumers pause until it is back; reconnecting with backoff. If it does not come back, check the broker with "rabbitmq-diagnostics -q ping".`,
  connected: (url: string, name: string, failedAttempts: number) =>
    `Connected to RabbitMQ at ${url} as "${name}"${failedAttempts ? ` after ${failedAttempts} failed attempt(s)` : ''}.`,
  reconnected: (url: string, attempts: number, ms: number) =>
    `Connected to RabbitMQ at ${url} again after ${attempts} attempt(s) in ${Math.round(ms / 100) / 10}s; topology re-declared, consumers resumed.`,
  notConnected: (url: string, ms: number) => `RabbitMQ at ${url} is not connected${ms ? ` (waited ${ms} ms)` : ''}; retry later.`,
  closed: (url: string) => `The connection to RabbitMQ at ${url} was closed by the bus (shutting down).`,
  blocked: (url: string, why: string) =>
    `RabbitMQ at ${url} blocked publishing (${why}): the broker is low on memory or disk. Free resources on the broker host; publishes wait meanwhile.`,
  unblocked: (url: string) => `RabbitMQ at ${url} unblocked publishing.`,
  hookFailed: (url: string, err: Error) => `Setup after connecting to RabbitMQ at ${url} failed: ${err.message}`,
  publishChannelError: (err: Error) => `The publish channel was closed by the broker (${err.message}); opening a new one.`,
  consuming: (queue: string, prefetch: number, immediateRetries: number, delaysMs: readonly number[]) =>
    `Consuming ${queue} (prefetch ${prefetch}, ${immediateRetries} immediate retries, redelivery after ${delaysMs.length ? delaysMs.map(delayLabel).join(', ') : 'none'}, then dead-letter).`,
  consumerCancelled: (queue: string) =>
    `The broker cancelled the consumer of ${queue} (queue deleted?). Re-declaring it and subscribing again; if it was deleted on purpose, remove the system from bus.yaml.`,
  consumerFailed: (queue: string, err: Error) => `Could not start consuming ${queue}: ${err.message}. Retrying.`,
  retrying: (queue: string, id: string, type: string, destination: string, attempt: number, code: string, retryQueue: string) =>
    `Message ${id} (${type}) to ${destination} failed attempt ${attempt} with ${code}; redelivering through ${retryQueue}.`,
  deadLettered: (queue: string, id: string, type: string, destination: string, attempt: number, code: string, message: string) =>
    `Message ${id} (${type}) to ${destination} dead-lettered to ${queue} after attempt ${attempt}: ${code} ${message}. Fix the cause, then replay it from the admin API.`,
  copyFailed: (id: string, destination: string, queue: string, err: Error) =>
    `Could not move message ${id} for ${destination} to ${queue}: ${err.message}. It stays on its queue and is retried.`,
  bundleUnreadable: (id: string, destination: string, queue: string, err: Error) =>
    `Bundle ${id} on ${queue} (for ${destination}) does not read as a bundle: ${err.message}. It is dead-lettered whole; its records are in its body.`,
  faultHookFailed: (id: string, destination: string, queue: string, err: Error) =>
    `Message ${id} for ${destination} is safe in ${queue}, but recording it failed: ${err.message}`,
  queryHandlerFailed: (queue: string, id: string, err: Error) => `Query ${id} from ${queue} failed: ${err.message}`,
  queryReplyMalformed: (queue: string) => `A reply on ${queue} did not parse as JSON; it was dropped.`,
} as const;
