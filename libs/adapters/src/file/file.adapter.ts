import * as path from 'node:path';
import { defineAdapter } from '../adapter';
import { FileClient } from './file.client';
import { FileInboundConfig, FileOutboundConfig } from './file.config';
import { FileInstance } from './file.instance';

/**
 * Files a legacy system drops in a folder (inbound: CSV, streamed record by record, each file read once)
 * or files the bus writes to a folder (outbound: one file per message, written atomically).
 * `listen` takes the bus's file ledger as an optional third argument (see FileLedger).
 */
export const fileAdapter = defineAdapter<FileInboundConfig, FileOutboundConfig>({
  id: 'file',
  summary: 'CSV files dropped in a folder (streamed, read once, moved to processed/ or failed/ with a report); outbound files written atomically.',
  capabilities: { inbound: true, outbound: { idempotent: true }, maturity: 'beta' },
  config: { inbound: FileInboundConfig, outbound: FileOutboundConfig },
  create: (config, ctx) => {
    const i = config.inbound;
    const client = new FileClient({
      dropDir: i?.dropDir,
      processedDir: i && path.resolve(i.dropDir, i.processedDir),
      failedDir: i && path.resolve(i.dropDir, i.failedDir),
      outDir: config.outbound?.outDir,
    });
    return new FileInstance(i, config.outbound, client, ctx);
  },
});
