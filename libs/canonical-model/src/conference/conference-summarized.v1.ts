import { ConferenceSummary } from './conference-summary';

/** Payload of `conference.summarized` v1: a conference has ended and all its usage is in. */
export class ConferenceSummarizedV1 extends ConferenceSummary {}
