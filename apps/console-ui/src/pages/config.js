import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { can, ErrorBox, html, Json, time, useLoad } from '../ui.js';
import { lineDiff } from './line-diff.js';

/** Active version, reload with its plan, and (where the bus keeps config history) history, diff and rollback. */
export function ConfigPage({ me }) {
  const status = useLoad(() => api('/config'), []);
  const history = useLoad(() => api('/config/history', { query: { limit: 50 } }).catch((e) => (e.status === 404 ? { unavailable: true } : Promise.reject(e))), []);
  const [plan, setPlan] = useState();
  const [error, setError] = useState();
  const reload = () => api('/config/reload', { method: 'POST', body: {} }).then((p) => { setPlan(p); status.reload(); history.reload(); }, setError);
  const s = status.data;
  return html`<section>
    <div class="page-head"><h1>Config</h1>${can(me, 'admin') ? html`<button class="primary" onClick=${reload}>Reload from file</button>` : null}</div>
    <${ErrorBox} error=${status.error || error} />
    ${s ? html`<div class="cards">
      <div class="card stat"><span>Active version</span><strong><code>${s.version}</code></strong><small>loaded ${time(s.loadedAt)} from ${s.file}</small></div>
      <div class="card stat"><span>Last rejected change</span><strong>${s.lastRejected ? html`<span class="badge bad">rejected</span>` : 'none'}</strong><small>${s.lastRejected ? time(s.lastRejected.at) : ''}</small></div>
    </div>
    ${s.lastRejected ? html`<div class="card"><h2>Last rejected change</h2><${Json} value=${s.lastRejected} /></div>` : null}` : null}
    ${plan ? html`<div class="card"><h2>Reload plan applied</h2><${Json} value=${plan} /></div>` : null}
    ${history.data?.unavailable
      ? html`<div class="card"><h2>History</h2><p class="muted">This bus keeps no config history; the active version and the plan of each reload are shown above.</p></div>`
      : html`<${History} data=${history.data} error=${history.error} me=${me} onRolledBack=${() => { status.reload(); history.reload(); }} />`}
    ${s ? html`<div class="card"><h2>Active config (secrets redacted)</h2><${Json} value=${s.config} /></div>` : null}
  </section>`;
}

function History({ data, error, me, onRolledBack }) {
  const [pair, setPair] = useState([]);
  const [diff, setDiff] = useState();
  const [actionError, setActionError] = useState();
  const items = data?.items ?? [];
  const compare = async (a, b) => {
    setPair([a, b]);
    const [va, vb] = await Promise.all([api(`/config/versions/${a}`), api(`/config/versions/${b}`)]).catch((e) => (setActionError(e), []));
    if (!va) return;
    const files = [...new Set([...Object.keys(va.files ?? {}), ...Object.keys(vb.files ?? {})])];
    setDiff(files.map((f) => ({ file: f, lines: lineDiff(va.files?.[f] ?? '', vb.files?.[f] ?? '') })));
  };
  const rollback = (version) => {
    const reason = prompt(`Roll back to ${version}? Reason:`);
    if (reason) api('/config/rollback', { method: 'POST', body: { version, reason, expectedVersion: items[0]?.version } }).then(onRolledBack, setActionError);
  };
  return html`<div class="card"><h2>History</h2>
    <${ErrorBox} error=${error || actionError} />
    <table class="grid"><thead><tr><th>Version</th><th>Applied</th><th>By</th><th>Trigger</th><th>Reason</th><th></th></tr></thead>
      <tbody>${items.map((v, i) => html`<tr><td><code>${v.version}</code></td><td>${time(v.appliedAt)}</td><td>${v.appliedBy ?? '–'}</td><td>${v.trigger ?? '–'}</td><td>${v.reason ?? ''}</td>
        <td>${v.previousVersion ? html`<button onClick=${() => compare(v.previousVersion, v.version)}>What changed</button>` : null}
            ${i > 0 && can(me, 'admin') ? html` <button class="danger" onClick=${() => rollback(v.version)}>Roll back to this</button>` : null}</td></tr>`)}</tbody></table>
    ${diff ? html`<h3>${pair[0]} → ${pair[1]}</h3>${diff.map((f) => html`<h4>${f.file}</h4><pre class="code diff">${f.lines.map((l) => html`<span class=${l.op}>${l.op === 'add' ? '+ ' : l.op === 'del' ? '- ' : '  '}${l.text}\n</span>`)}</pre>`)}` : null}
  </div>`;
}
