import type { BusLink } from './bus-link';
import type { Chaos, ChaosSettings } from './chaos';
import { HttpError, type Router } from './http-kit';

/** `POST /admin/chaos {delayMs, failWith}` (JSON; `{}` heals) and `GET /outbox`, the same on every stand-in. */
export function addAdminRoutes(router: Router, chaos: Chaos, bus: BusLink): void {
  router.on('POST', '/admin/chaos', (req) => {
    let settings: ChaosSettings;
    try {
      settings = req.body.trim() ? (JSON.parse(req.body) as ChaosSettings) : {};
      chaos.set(settings);
    } catch (e) {
      throw new HttpError(400, `chaos: ${(e as Error).message}; send {"delayMs": 2000} or {"failWith": 503} or {}`);
    }
    return json(200, chaos.current);
  });
  router.on('GET', '/admin/chaos', () => json(200, chaos.current));
  router.on('GET', '/outbox', () => json(200, bus.outbox));
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(value),
});
