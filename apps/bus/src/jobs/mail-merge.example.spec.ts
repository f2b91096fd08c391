import 'reflect-metadata';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { loadBusConfig } from '../config/bus-config.loader';
import { MailMergeJobConfig } from './job.config';
import { createMailMergeJob } from './mail-merge.job';

const EXAMPLE = resolve(__dirname, '../../../../config/examples/mail-merge.yaml');
const env = {
  SALES_API_KEY: 'k', SALES_URL: 'http://127.0.0.1:1', PRINTER_IPP_URL: 'ipp://127.0.0.1:631/printers/bus-pdf',
  SMTP_HOST: '127.0.0.1', SMTP_USER: 'u', SMTP_PASS: 'p',
};
const outbound = { checkHealth: async () => ({ status: 'up' as const }), send: async () => ({}) };

describe('config/examples/mail-merge.yaml', () => {
  it('should load as a bus config with printer and smtp systems', async () => {
    const active = await loadBusConfig(EXAMPLE, env);
    expect(Object.keys(active.config.systems).sort()).toEqual(['letters', 'mailer', 'sales']);
  });

  it('should declare a valid job whose templates and selection compile', async () => {
    const active = await loadBusConfig(EXAMPLE, env);
    const raw = (active.config.jobs as Record<string, object>)['contract-letters'];
    const config = plainToInstance(MailMergeJobConfig, raw);
    expect(validateSync(config)).toEqual([]);
    const job = await createMailMergeJob('contract-letters', config, {
      configDir: join(EXAMPLE, '..'),
      system: (name) => (['letters', 'mailer'].includes(name) ? outbound : undefined),
      fetchFromSystem: async () => ({ records: [] }),
    });
    expect(job).toMatchObject({ schedule: '0 6 * * 1', concurrency: 2, printer: { system: 'letters' }, email: { system: 'mailer' } });
    expect(await job.selects({ customerId: '1', name: 'n', street: 's', postalCode: 'p', city: 'c', status: 'Active' })).toBe(true);
  });
});
