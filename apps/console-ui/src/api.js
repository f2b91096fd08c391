// The one place the console talks to the bus: every call carries the operator's token as a bearer header.
const TOKEN_KEY = 'bpi-bus-console-token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An admin API refusal: status, the bus's error code, its sentence and field problems. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
    this.details = body?.details ?? [];
  }
}

export async function api(path, { method = 'GET', body, query } = {}) {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== '' && v !== null)).toString() : '';
  const res = await fetch(`/admin${path}${qs ? `?${qs}` : ''}`, {
    method,
    headers: { authorization: `Bearer ${token.get() ?? ''}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    if (res.status === 401) window.dispatchEvent(new Event('console:signed-out'));
    throw new ApiError(res.status, data);
  }
  return data;
}
