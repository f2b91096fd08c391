/**
 * The baseline: the bus's main job written by hand with node:http and amqplib, nothing else.
 * Ingress -> decode + map -> publish persistent on a confirm channel -> 202 after the confirm;
 * per destination a queue consumed with prefetch -> map -> HTTP POST (keep-alive) -> ack after 2xx.
 * It uses the same queue type and prefetch as the bench config, and its own names
 * (`bench-baseline-<uuid>`) which it deletes when it stops.
 *
 * Started by the harness with fork(); settings come from the environment (see `settings()`).
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { decode, toDestination, toDraft } from './native-format';

interface Destination {
  name: string;
  url: string;
}

function settings() {
  const env = process.env;
  return {
    amqpUrl: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    name: env.BENCH_NAME ?? `bench-baseline-${randomUUID()}`,
    system: env.BENCH_SOURCE ?? 'loadgen',
    apiKey: env.BENCH_API_KEY ?? 'bench',
    codec: env.BENCH_CODEC ?? 'json',
    destinations: JSON.parse(env.BENCH_DESTINATIONS ?? '[]') as Destination[],
    queueType: env.BENCH_QUEUE_TYPE ?? 'quorum',
    prefetch: Number(env.BENCH_PREFETCH ?? 50),
  };
}

async function main(): Promise<void> {
  const s = settings();
  // TCP_NODELAY as the bus sets it: without it a publish or an ack can sit out Nagle's delay at low rates.
  const connection = await amqp.connect(s.amqpUrl, { noDelay: true });
  const publisher = await connection.createConfirmChannel();
  await publisher.assertExchange(s.name, 'direct', { durable: true });
  const queues = s.destinations.map((d) => `${s.name}.${d.name}`);
  for (const [i, d] of s.destinations.entries()) {
    await publisher.assertQueue(queues[i], { durable: true, arguments: { 'x-queue-type': s.queueType } });
    await publisher.bindQueue(queues[i], s.name, d.name);
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const consumers: Array<{ channel: amqp.Channel; tag: string }> = [];
  for (const [i, d] of s.destinations.entries()) {
    const channel = await connection.createChannel();
    await channel.prefetch(s.prefetch);
    const url = new URL(d.url);
    const { consumerTag } = await channel.consume(queues[i], (msg) => {
      if (!msg) return; // consumer cancelled by the server
      deliver(msg, d.name, url, agent).then(
        () => channel.ack(msg),
        () => channel.nack(msg, false, true),
      );
    });
    consumers.push({ channel, tag: consumerTag });
  }

  const routingKey = s.destinations[0]?.name ?? '';
  const cc = s.destinations.slice(1).map((d) => d.name);
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== `/adapters/${s.system}/messages`) return answer(res, 404, { error: 'not found' });
    if (req.headers['x-api-key'] !== s.apiKey) return answer(res, 401, { error: 'bad key' });
    readBody(req).then(async (body) => {
      let natives;
      try {
        natives = decode(s.codec, body);
      } catch (err) {
        return answer(res, 400, { error: String(err) });
      }
      const ids: string[] = [];
      await Promise.all(
        natives.map((native) => {
          const draft = toDraft(native);
          const id = randomUUID();
          ids.push(id);
          const envelope = { id, ...draft, schemaVersion: 1, source: s.system, occurredAt: new Date().toISOString() };
          return new Promise<void>((resolve, reject) =>
            publisher.publish(s.name, routingKey, Buffer.from(JSON.stringify(envelope)), {
              persistent: true, messageId: id, correlationId: draft.correlationId, type: draft.type, contentType: 'application/json', CC: cc, timestamp: Date.now(),
            }, (err) => (err ? reject(err) : resolve())),
          );
        }),
      );
      answer(res, 202, { messageId: ids[0], messageIds: ids });
    }).catch((err) => answer(res, 503, { error: String(err) }));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    for (const c of consumers) await c.channel.cancel(c.tag).catch(() => undefined);
    for (const q of queues) await publisher.deleteQueue(q).catch(() => undefined);
    await publisher.deleteExchange(s.name).catch(() => undefined);
    await connection.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
}

function deliver(msg: amqp.ConsumeMessage, destination: string, url: URL, agent: Agent): Promise<void> {
  const envelope = JSON.parse(msg.content.toString('utf8'));
  const body = Buffer.from(JSON.stringify(toDestination(envelope)));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'idempotency-key': `${envelope.id}:${destination}`,
        'x-message-id': envelope.id,
        'x-correlation-id': envelope.correlationId,
      },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! >= 200 && res.statusCode! < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

main().catch((err) => {
  process.stderr.write(`baseline: ${err?.stack ?? err}\n`);
  process.exit(1);
});
