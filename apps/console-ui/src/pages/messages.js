import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorBox, html, navigate, Status, time, useLoad } from '../ui.js';

const FIELDS = [
  ['id', 'Message id'],
  ['correlationId', 'Correlation id'],
  ['businessKey', 'Business key'],
  ['type', 'Type'],
  ['system', 'System'],
];
const STATUSES = ['', 'accepted', 'delivered', 'partially-delivered', 'dead', 'discarded', 'unrouted'];

/** datetime-local value (local time) -> ISO-8601, or undefined. */
const iso = (local) => (local ? new Date(local).toISOString() : undefined);

/** Search of the journal, filtered and paged by the server (keyset cursor): quick with any journal size. */
export function MessagesPage({ params }) {
  const filter = Object.fromEntries([...params.entries()].filter(([, v]) => v));
  const [form, setForm] = useState(filter);
  const [cursors, setCursors] = useState([undefined]);
  const cursor = cursors[cursors.length - 1];
  const key = JSON.stringify(filter);
  const { data, error, loading } = useLoad(() => api('/messages', { query: { ...filter, since: iso(filter.since), until: iso(filter.until), cursor, limit: 50 } }), [key, cursor]);
  const submit = (e) => {
    e.preventDefault();
    setCursors([undefined]);
    navigate(`#/messages?${new URLSearchParams(Object.entries(form).filter(([, v]) => v)).toString()}`);
  };
  const set = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  return html`<section>
    <div class="page-head"><h1>Messages</h1></div>
    <form class="card filters" onSubmit=${submit}>
      ${FIELDS.map(([name, label]) => html`<label>${label}<input name=${name} value=${form[name] ?? ''} onInput=${set(name)} /></label>`)}
      <label>Status<select name="status" value=${form.status ?? ''} onChange=${set('status')}>${STATUSES.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}</select></label>
      <label>From<input type="datetime-local" name="since" value=${form.since ?? ''} onInput=${set('since')} /></label>
      <label>To<input type="datetime-local" name="until" value=${form.until ?? ''} onInput=${set('until')} /></label>
      <div class="actions"><button type="submit" class="primary">Search</button><button type="button" onClick=${() => { setForm({}); navigate('#/messages'); }}>Clear</button></div>
    </form>
    <${ErrorBox} error=${error} />
    <div class="card">
      <table class="grid" id="messages">
        <thead><tr><th>Received</th><th>Type</th><th>Source</th><th>Destinations</th><th>Business keys</th><th>Status</th></tr></thead>
        <tbody>${(data?.items ?? []).map((m) => html`<tr class="clickable" data-id=${m.id} onClick=${() => navigate(`#/messages/${encodeURIComponent(m.id)}`)}>
          <td>${time(m.receivedAt)}</td><td><code>${m.type}</code></td><td>${m.source}</td>
          <td>${Object.entries(m.destinations).map(([d, s]) => html`<span class="dest">${d} <${Status} value=${s.status} /></span>`)}</td>
          <td>${(m.businessKeys ?? []).join(', ')}</td><td><${Status} value=${m.status} /></td>
        </tr>`)}</tbody>
      </table>
      ${data && data.items.length === 0 ? html`<p class="muted">No messages match.</p>` : null}
      <div class="pager">
        <button disabled=${cursors.length === 1 || loading} onClick=${() => setCursors(cursors.slice(0, -1))}>Newer</button>
        <span class="muted">page ${cursors.length}</span>
        <button disabled=${!data?.nextCursor || loading} onClick=${() => setCursors([...cursors, data.nextCursor])}>Older</button>
      </div>
    </div>
  </section>`;
}
