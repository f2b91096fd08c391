import { UsageRecord } from './usage-record';

/** Payload of `usage.recorded` v1: one call as the bridge recorded it, not yet priced. */
export class UsageRecordedV1 extends UsageRecord {}
