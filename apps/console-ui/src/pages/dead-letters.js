import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { can, ErrorBox, html, num, time, useLoad } from '../ui.js';
import { EditDialog } from './edit-dialog.js';

/** Dead letters grouped by fault; a group or a selection replayed or discarded; one entry edited and retried. */
export function DeadLettersPage({ me, params }) {
  const system = params.get('system') ?? '';
  const { data, error, reload } = useLoad(() => api('/dead-letters/groups', { query: { system } }), [system]);
  const [open, setOpen] = useState();
  const [result, setResult] = useState();
  const [actionError, setActionError] = useState();
  const act = async (fn) => {
    setActionError(undefined);
    try {
      setResult(await fn());
    } catch (err) {
      setActionError(err);
    }
    reload();
  };
  const discardGroup = (g) => {
    const reason = prompt(`Discard ${g.count} dead letters of ${g.errorCode} at ${g.destination}? Reason:`);
    if (reason) act(() => api(`/dead-letters/groups/${g.key}/discard`, { method: 'POST', body: { reason } }));
  };
  return html`<section>
    <div class="page-head"><h1>Dead letters</h1>${system ? html`<span>destination <b>${system}</b> · <a href="#/dead-letters">all</a></span>` : null}<button onClick=${reload}>Refresh</button></div>
    <${ErrorBox} error=${error || actionError} />
    ${result ? html`<div class="notice" id="result">Done: ${result.done ?? result.replayed ?? 1}, skipped (taken by someone else): ${result.skipped ?? 0}${result.failed?.length ? `, failed: ${result.failed.length}` : ''}</div>` : null}
    ${data?.truncated ? html`<div class="notice">Grouped the newest ${num(data.scanned)} dead letters; narrow by destination to see older ones.</div>` : null}
    <div class="card">
      <table class="grid" id="groups">
        <thead><tr><th>Fault</th><th>Destination</th><th>Type</th><th class="n">Count</th><th>First seen</th><th>Last seen</th><th></th></tr></thead>
        <tbody>${(data?.groups ?? []).map((g) => html`
          <tr class="group" data-key=${g.key}>
            <td><button class="link" onClick=${() => setOpen(open === g.key ? undefined : g.key)}>${open === g.key ? '▾' : '▸'} <b>${g.errorCode}</b></button><div class="detail">${g.message}</div></td>
            <td>${g.destination}</td><td><code>${g.type}</code></td><td class="n">${num(g.count)}</td><td>${time(g.firstSeen)}</td><td>${time(g.lastSeen)}</td>
            <td class="actions">${can(me, 'operator')
              ? html`<button class="primary replay-group" onClick=${() => act(() => api(`/dead-letters/groups/${g.key}/replay`, { method: 'POST', body: {} }))}>Replay all</button>
                     <button class="danger" onClick=${() => discardGroup(g)}>Discard all</button>`
              : null}</td>
          </tr>
          ${open === g.key ? html`<tr class="entries"><td colspan="7"><${GroupEntries} group=${g} me=${me} act=${act} /></td></tr>` : null}`)}
        </tbody>
      </table>
      ${data && data.groups.length === 0 ? html`<p class="muted">No dead letters are waiting. 🎉</p>` : null}
    </div>
  </section>`;
}

function GroupEntries({ group, me, act }) {
  const { data, error } = useLoad(() => api('/dead-letters', { query: { system: group.destination, type: group.type, limit: 500 } }), [group.key, group.count]);
  const [selected, setSelected] = useState(new Set());
  const [editing, setEditing] = useState();
  const ids = new Set(group.ids);
  const entries = (data?.items ?? []).filter((d) => ids.has(d.id));
  const toggle = (id) => {
    const next = new Set(selected);
    next.has(id) ? next.delete(id) : next.add(id);
    setSelected(next);
  };
  const discard = () => {
    const reason = prompt(`Discard ${selected.size} dead letters? Reason:`);
    if (reason) act(() => api('/dead-letters/selection-discard', { method: 'POST', body: { ids: [...selected], reason } }));
  };
  return html`<div class="entries-box">
    <${ErrorBox} error=${error} />
    ${can(me, 'operator') ? html`<div class="toolbar">
      <span class="muted">${selected.size} selected</span>
      <button disabled=${!selected.size} onClick=${() => act(() => api('/dead-letters/selection-replay', { method: 'POST', body: { ids: [...selected] } }))}>Replay selected</button>
      <button disabled=${!selected.size} class="danger" onClick=${discard}>Discard selected</button>
    </div>` : null}
    <table class="grid inner"><thead><tr><th></th><th>Dead letter</th><th>Message</th><th>At</th><th class="n">Attempts</th><th>Error</th><th></th></tr></thead>
      <tbody>${entries.map((d) => html`<tr data-id=${d.id}>
        <td>${can(me, 'operator') ? html`<input type="checkbox" checked=${selected.has(d.id)} onChange=${() => toggle(d.id)} />` : null}</td>
        <td><code>${d.id.slice(0, 8)}</code></td>
        <td><a href=${`#/messages/${encodeURIComponent(d.messageId)}`}><code>${d.messageId.slice(0, 8)}</code></a></td>
        <td>${time(d.at)}</td><td class="n">${d.attempts}</td><td class="detail">${d.errorMessage}${d.reason ? html`<div class="muted">${d.reason}</div>` : null}</td>
        <td>${can(me, 'admin') && d.type !== 'inbound.rejected' ? html`<button class="edit" onClick=${() => setEditing(d)}>Edit & retry</button>` : null}</td>
      </tr>`)}</tbody></table>
    ${editing ? html`<${EditDialog} letter=${editing} onClose=${() => setEditing(undefined)} onDone=${(r) => { setEditing(undefined); act(async () => ({ done: 1, ...r })); }} />` : null}
  </div>`;
}
