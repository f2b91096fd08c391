import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/** Loads `fn()` now, again whenever `deps` change and every `refreshMs` (0: never); `reload` forces it. */
export function useLoad(fn, deps = [], refreshMs = 0) {
  const [state, setState] = useState({ loading: true });
  const reload = useCallback(() => {
    fn().then((data) => setState({ data }), (error) => setState((s) => ({ ...s, error, loading: false })));
  }, deps);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    reload();
    if (!refreshMs) return undefined;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [reload]);
  return { ...state, reload };
}

export const Badge = ({ tone, children }) => html`<span class=${`badge ${tone ?? ''}`}>${children}</span>`;

const TONES = { up: 'ok', delivered: 'ok', ok: 'ok', completed: 'ok', replayed: 'ok', degraded: 'warn', retrying: 'warn', pending: 'info', accepted: 'info', running: 'info', 'partially-delivered': 'warn', down: 'bad', dead: 'bad', failed: 'bad', unknown: 'warn', unrouted: 'bad', discarded: 'muted', stopped: 'muted', interrupted: 'warn' };
export const Status = ({ value }) => html`<${Badge} tone=${TONES[value] ?? ''}>${value}<//>`;

export const ErrorBox = ({ error }) =>
  error
    ? html`<div class="error" role="alert">
        <strong>${error.code ?? 'Error'}</strong> ${error.message}
        ${error.details?.length ? html`<ul>${error.details.map((d) => html`<li><code>${d.path}</code>: ${d.message}</li>`)}</ul>` : null}
      </div>`
    : null;

export function age(iso, now = Date.now()) {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export const time = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '–');

export const num = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString());

export const Json = ({ value }) => html`<pre class="code">${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>`;

/** Role order: what a role may do includes what the roles before it may. */
const ROLES = ['viewer', 'operator', 'admin'];
export const can = (me, role) => Boolean(me) && ROLES.indexOf(me.role) >= ROLES.indexOf(role);

export const navigate = (hash) => {
  window.location.hash = hash;
};
