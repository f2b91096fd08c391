import { readFileSync } from 'node:fs';
import type { BusEnv } from '../config/env.schema';

/** What a role may do: a viewer reads, an operator also replays, discards and runs jobs, an admin also edits and reloads. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = (typeof ROLES)[number];

/** Who called an admin endpoint: the name of the token presented, and its role. Set on the request by AdminTokenGuard. */
export interface AdminPrincipal {
  name: string;
  role: AdminRole;
}

export interface NamedToken extends AdminPrincipal {
  token: string;
}

/** True when `role` includes what `needed` may do. */
export const roleAllows = (role: AdminRole, needed: AdminRole): boolean => ROLES.indexOf(role) >= ROLES.indexOf(needed);

/**
 * Every admin token the bus accepts: `ADMIN_TOKEN` (named `admin`, role `admin`), the `name:role:token`
 * entries of `ADMIN_TOKENS`, and the `name role token` lines of the file `ADMIN_TOKENS_FILE`.
 * Throws naming the line of a malformed file, so the bus does not start with a token it ignores.
 */
export function loadNamedTokens(env: Pick<BusEnv, 'ADMIN_TOKEN' | 'ADMIN_TOKENS' | 'ADMIN_TOKENS_FILE'>): NamedToken[] {
  const tokens: NamedToken[] = [];
  if (env.ADMIN_TOKEN) tokens.push({ name: 'admin', role: 'admin', token: env.ADMIN_TOKEN });
  for (const entry of env.ADMIN_TOKENS?.split(',') ?? []) {
    const [name, role, ...rest] = entry.trim().split(':');
    tokens.push({ name, role: role as AdminRole, token: rest.join(':') });
  }
  if (env.ADMIN_TOKENS_FILE) {
    readFileSync(env.ADMIN_TOKENS_FILE, 'utf8').split(/\r?\n/).forEach((line, i) => {
      const text = line.replace(/#.*$/, '').trim();
      if (!text) return;
      const [name, role, token, extra] = text.split(/\s+/);
      if (!token || extra !== undefined || !(ROLES as readonly string[]).includes(role)) {
        throw new Error(`ADMIN_TOKENS_FILE ${env.ADMIN_TOKENS_FILE} line ${i + 1}: expected "name role token" with role one of ${ROLES.join(', ')}.`);
      }
      tokens.push({ name, role: role as AdminRole, token });
    });
  }
  return tokens;
}
