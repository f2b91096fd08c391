import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorBox, html, Json, time, useLoad } from '../ui.js';

/** The audit trail: who changed what, when, why, and how it ended; newest first, paged by the server. */
export function AuditPage() {
  const [cursors, setCursors] = useState([undefined]);
  const [action, setAction] = useState('');
  const cursor = cursors[cursors.length - 1];
  const { data, error } = useLoad(() => api('/audit', { query: { cursor, action, limit: 50 } }), [cursor, action]);
  return html`<section>
    <div class="page-head"><h1>Audit trail</h1>
      <label class="inline">Action <select value=${action} onChange=${(e) => { setCursors([undefined]); setAction(e.target.value); }}>
        ${['', 'dead-letter.replay', 'dead-letter.replay-group', 'dead-letter.replay-selection', 'dead-letter.discard', 'dead-letter.discard-group', 'dead-letter.discard-selection', 'dead-letter.edit', 'job.run', 'job.stop', 'job.retry', 'job.effects-resolve', 'config.reload', 'config.rollback'].map((a) => html`<option value=${a}>${a || 'any'}</option>`)}
      </select></label>
    </div>
    <${ErrorBox} error=${error} />
    <div class="card">
      <table class="grid" id="audit"><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Reason</th><th>Outcome</th><th>Details</th></tr></thead>
        <tbody>${(data?.items ?? []).map((e) => html`<tr data-action=${e.action}>
          <td>${time(e.at)}</td><td>${e.actor} <small class="muted">${e.role}</small></td><td><code>${e.action}</code></td><td><code>${e.target ?? ''}</code></td>
          <td>${e.reason ?? ''}</td><td>${e.outcome === 'ok' ? html`<span class="badge ok">ok</span>` : html`<span class="badge bad">${e.outcome}</span>`}</td>
          <td>${e.details ? html`<details><summary>show</summary><${Json} value=${e.details} /></details>` : null}</td>
        </tr>`)}</tbody></table>
      <div class="pager">
        <button disabled=${cursors.length === 1} onClick=${() => setCursors(cursors.slice(0, -1))}>Newer</button>
        <span class="muted">page ${cursors.length}</span>
        <button disabled=${!data?.nextCursor} onClick=${() => setCursors([...cursors, data.nextCursor])}>Older</button>
      </div>
    </div>
  </section>`;
}
