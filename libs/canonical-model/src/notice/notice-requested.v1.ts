import { Notice } from './notice';

/** Payload of `notice.requested` v1: send this e-mail notice. */
export class NoticeRequestedV1 extends Notice {}
