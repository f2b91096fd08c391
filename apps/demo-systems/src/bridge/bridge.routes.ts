import { json } from '../shared/admin.routes';
import { header, HttpError, type Reply, type Router } from '../shared/http-kit';
import type { IdempotencyCache } from '../shared/idempotency';
import { simulateCdrs, toMasterCsvLine } from './bridge.cdr';
import type { CdrWriter } from './bridge.cdr-writer';
import type { BridgeStore } from './bridge.store';
import { readConferenceRequest, readSimulateCall } from './bridge.validation';

/** The bridge's error body: `{ "error": { "code": 400, "message": … } }`. */
export const bridgeError = (status: number, message: string): Reply => json(status, { error: { code: status, message } });

export interface BridgeDeps {
  store: BridgeStore;
  cdr: CdrWriter;
  idempotency: IdempotencyCache;
  timeZone: string;
}

export function bridgeRoutes(router: Router, { store, cdr, idempotency, timeZone }: BridgeDeps): Router {
  let fileSeq = 0;
  return router
    .on('POST', '/conferences', (req) =>
      idempotency.run(header(req, 'Idempotency-Key'), 'POST /conferences', async () => {
        const conference = store.create(readConferenceRequest(req.body));
        const { conferenceId, dialIn, participantPin, status } = conference;
        return json(201, { conferenceId, dialIn, participantPin, status }, { Location: `/conferences/${conferenceId}`, 'X-Resource-Id': conferenceId });
      }),
    )
    .on('GET', '/conferences', () => json(200, { conferences: store.list() }))
    .on('GET', '/conferences/:id', (req) => json(200, store.get(req.params.id)))
    // After the call: Asterisk writes one Master.csv line per call leg; the export drops them as a file.
    .on('POST', '/admin/simulate-call/:id', async (req) => {
      const conference = store.get(req.params.id);
      const request = readSimulateCall(req.body);
      const start = new Date(request.start ?? conference.start);
      const count = request.calls?.length || Math.max(conference.participants.length, 2);
      const records = simulateCdrs(conference, request.calls, { start, timeZone, firstSeq: store.nextCallSeq(count) });
      const lines = [...records.map(toMasterCsvLine), ...(request.extraLines ?? [])];
      const name = `Master-${conference.conferenceId}-${++fileSeq}.csv`;
      try {
        await cdr.write(name, lines);
      } catch (e) {
        throw new HttpError(500, `cannot write ${name} to ${cdr.dir}: ${(e as Error).message}`);
      }
      store.markHeld(conference.conferenceId);
      return json(201, { file: name, lines: lines.length, records });
    });
}
