export { fileAdapter } from './file.adapter';
export { FileInboundConfig, FileOutboundConfig, type FileReadiness } from './file.config';
export { FileInstance, type OnNative } from './file.instance';
export { claimOutcome, MemoryFileLedger, type FileLedger } from './file.ledger';
export { asFileProgress, MAX_LISTED, type FileProgress, type FileReport, type FileReportRow } from './file.report';
export { parseCsvLine, readCsvRecords, type CsvBadRow, type CsvRecord, type CsvRow } from './file.records';
export { nativeFromLine, toNativeRecord, type FileRecordMeta } from './file.native';
