import { Letter } from './letter';

/** Payload of `letter.requested` v1: print and post this letter. */
export class LetterRequestedV1 extends Letter {}
