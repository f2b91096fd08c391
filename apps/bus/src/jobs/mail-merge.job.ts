import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import jsonata from 'jsonata';
import type { AdapterInstance } from '@bus/adapters';
import { LetterRenderPool, type LetterRendering } from '@bus/adapters/mail-merge/letter-render.pool';
import { LetterRenderer, type LetterRendererOptions } from '@bus/adapters/mail-merge/letter.renderer';
import type { MergeRecipient } from '@bus/adapters/mail-merge/merge-recipient';
import { NoticeRenderer } from '@bus/adapters/mail-merge/notice.renderer';
import { CsvCustomerSource } from './csv-customer.source';
import type { CustomerSource } from './customer-source';
import { HttpJsonCustomerSource } from './http-customer.source';
import type { MailMergeJobConfig } from './job.config';
import { JobConfigError } from './job.errors';

/** An outbound system the job sends to: its name in bus.yaml and its live adapter instance. */
export interface JobDestination {
  system: string;
  instance: AdapterInstance;
}

/** A job ready to run: config resolved to a source, compiled templates and live adapter instances. */
export interface MailMergeJob {
  name: string;
  source: CustomerSource;
  /** The job's selection; resolves true when there is none. */
  selects(recipient: MergeRecipient): Promise<boolean>;
  /** Renders a letter's PDF: on worker threads (LetterRenderPool) unless `renderThreads` is 0. */
  letter: LetterRendering;
  notice: NoticeRenderer;
  printer: JobDestination;
  email: JobDestination;
  schedule?: string;
  timezone?: string;
  concurrency: number;
  attempts: number;
  retryDelayMs: number;
  lockTtlMs: number;
  resumeCheckMs: number;
}

/** What building a job needs from the bus. */
export interface MailMergeJobDeps {
  /** Folder of bus.yaml; template and CSV paths are relative to it. */
  configDir: string;
  /** The live adapter instance of a system from bus.yaml. */
  system(name: string): AdapterInstance | undefined;
  /** Reads a system's JSON answer for `source: { system, query }` (see HttpJsonCustomerSource). */
  fetchFromSystem?(system: string, query: string, signal?: AbortSignal): Promise<unknown>;
}

/**
 * Builds a runnable job from its validated config: reads and compiles the templates, compiles the
 * selection and picks the source. Throws JobConfigError naming the job and the setting.
 */
export async function createMailMergeJob(name: string, config: MailMergeJobConfig, deps: MailMergeJobDeps): Promise<MailMergeJob> {
  const at = (path: string) => (isAbsolute(path) ? path : join(deps.configDir, path));
  const template = async (key: string, path: string) => {
    try {
      return await readFile(at(path), 'utf8');
    } catch (error) {
      throw new JobConfigError(name, key, `cannot read ${at(path)}: ${(error as Error).message}`);
    }
  };
  const destination = (key: 'printer' | 'email', needs: 'send'): JobDestination => {
    const instance = deps.system(config[key]);
    if (!instance?.[needs]) throw new JobConfigError(name, key, `system "${config[key]}" is not a configured outbound system`);
    return { system: config[key], instance };
  };

  let selection: jsonata.Expression | undefined;
  try {
    selection = config.selection ? jsonata(config.selection) : undefined;
  } catch (error) {
    throw new JobConfigError(name, 'selection', `not a JSONata expression: ${(error as Error).message}`);
  }

  const letterSource = await template('letter.template', config.letter.template);
  const noticeSource = await template('notice.template', config.notice.template);
  const wrap = <T>(key: string, make: () => T): T => {
    try {
      return make();
    } catch (error) {
      throw new JobConfigError(name, key, (error as Error).message);
    }
  };

  return {
    name,
    source: customerSource(name, config, deps, at),
    selects: async (r) => (selection ? Boolean(await selection.evaluate(r)) : true),
    letter: wrap('letter.template', () => letterRendering(
      { template: letterSource, templateName: config.letter.template, sender: { ...config.letter.sender }, locale: config.letter.locale, fontPath: config.letter.font },
      config.renderThreads,
    )),
    notice: wrap('notice.template', () => new NoticeRenderer({ template: noticeSource, templateName: config.notice.template })),
    printer: destination('printer', 'send'),
    email: destination('email', 'send'),
    schedule: config.schedule,
    timezone: config.timezone,
    concurrency: config.concurrency,
    attempts: config.attempts,
    retryDelayMs: config.retryDelayMs,
    lockTtlMs: config.lockTtlMs,
    resumeCheckMs: config.resumeCheckMs,
  };
}

/**
 * The template is compiled here first, so a broken one fails the config check, not the first letter.
 * The pool's threads compile it again and start with the first letter.
 */
function letterRendering(options: LetterRendererOptions, threads: number | undefined): LetterRendering {
  const here = new LetterRenderer(options);
  return threads === 0 ? here : new LetterRenderPool(options, { threads });
}

function customerSource(name: string, config: MailMergeJobConfig, deps: MailMergeJobDeps, at: (p: string) => string): CustomerSource {
  const { csv, system, query = '/', mapping } = config.source;
  if (csv) return new CsvCustomerSource(at(csv));
  const fetch = deps.fetchFromSystem;
  if (!system || !fetch) throw new JobConfigError(name, 'source', 'needs csv, or system with a bus that can read from systems');
  return new HttpJsonCustomerSource(`system ${system} GET ${query}`, (signal) => fetch(system, query, signal), mapping);
}
