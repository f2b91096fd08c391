/**
 * Starts both stand-in systems for the demo or for trying the bus by hand:
 *
 *   npx ts-node apps/demo-systems/src/main.ts
 *
 * Env: SALES_PORT (4001), BILLING_PORT (4002), BUS_URL (http://127.0.0.1:3000; empty = run without a bus),
 * SALES_API_KEY, BILLING_API_KEY (the keys the bus expects in X-Api-Key).
 */
import { startBilling, startSales } from './index';

async function main(): Promise<void> {
  const env = process.env;
  const busUrl = env.BUS_URL === undefined ? 'http://127.0.0.1:3000' : env.BUS_URL || undefined;
  const sales = await startSales({ port: Number(env.SALES_PORT ?? 4001), busUrl, apiKey: env.SALES_API_KEY });
  const billing = await startBilling({ port: Number(env.BILLING_PORT ?? 4002), busUrl, apiKey: env.BILLING_API_KEY });
  console.log(`sales   (CRM, JSON)    ${sales.url}   posts to ${busUrl ?? '(no bus)'}/adapters/sales/messages`);
  console.log(`billing (billing, XML) ${billing.url}   posts to ${busUrl ?? '(no bus)'}/adapters/billing/messages`);
  const stop = async () => {
    await Promise.all([sales.close(), billing.close()]);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`demo systems failed to start: ${(e as Error).message}`);
  process.exit(1);
});
