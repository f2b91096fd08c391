/** Who called an admin endpoint: the admin token's name and role, as the guard set them. */
export interface Principal {
  name: string;
  role: string;
}

/** `request.principal`, or the single `ADMIN_TOKEN`'s identity when the guard set none. */
export function principalOf(request: unknown): Principal {
  const principal = (request as { principal?: Partial<Principal> } | undefined)?.principal;
  return { name: principal?.name || 'admin', role: principal?.role || 'admin' };
}
