import { HttpError } from '../shared/http-kit';
import type { Conference, ConferenceRequest } from './bridge.types';

/** The bridge's conferences, in memory; ids `CONF-0001`, `CONF-0002`, … */
export class BridgeStore {
  private readonly conferences = new Map<string, Conference>();
  private counter = 0;
  private callSeq = 0;

  constructor(
    private readonly dialIn: string,
    private readonly now: () => Date,
  ) {}

  create(request: ConferenceRequest): Conference {
    const conferenceId = `CONF-${String(++this.counter).padStart(4, '0')}`;
    // A PIN from the counter when the booking brought none: unique per bridge, stable for tests.
    const participantPin = request.participantPin ?? String(200000 + ((this.counter * 7919) % 800000));
    const conference: Conference = { ...request, participantPin, conferenceId, dialIn: this.dialIn, status: 'scheduled', createdAt: this.now().toISOString() };
    this.conferences.set(conferenceId, conference);
    return conference;
  }

  get(id: string): Conference {
    const found = this.conferences.get(id);
    if (!found) throw new HttpError(404, `conference ${id} does not exist`);
    return found;
  }

  list(): Conference[] {
    return [...this.conferences.values()];
  }

  /** Call sequence numbers continue across simulated calls, like Asterisk's channel counter. */
  nextCallSeq(count: number): number {
    const first = this.callSeq + 1;
    this.callSeq += count;
    return first;
  }

  markHeld(id: string): void {
    this.get(id).status = 'held';
  }
}
