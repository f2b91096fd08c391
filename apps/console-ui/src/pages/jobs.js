import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { can, ErrorBox, html, num, Status, time, useLoad } from '../ui.js';

const eta = (s) => (s === null || s === undefined ? '–' : s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`);

/** Batch jobs: progress, throughput, ETA, run/stop/retry, and effects of unknown outcome waiting for a decision. */
export function JobsPage({ me }) {
  const { data, error } = useLoad(() => api('/config'), []);
  const names = Object.keys(data?.config?.jobs ?? {});
  return html`<section>
    <div class="page-head"><h1>Jobs</h1></div>
    <${ErrorBox} error=${error} />
    ${data && names.length === 0 ? html`<p class="muted">No jobs are configured (jobs: in bus.yaml).</p>` : null}
    ${names.map((name) => html`<${Job} key=${name} name=${name} me=${me} />`)}
  </section>`;
}

function Job({ name, me }) {
  const { data, error, reload } = useLoad(() => api(`/jobs/${encodeURIComponent(name)}`).catch((e) => (e.status === 404 ? null : Promise.reject(e))), [name], 3000);
  const [actionError, setActionError] = useState();
  const act = (path, body) => api(`/jobs/${encodeURIComponent(name)}/${path}`, { method: 'POST', body: body ?? {} }).then(reload, setActionError);
  const done = (data?.emailed ?? 0) + (data?.failed ?? 0);
  const pct = data?.total ? Math.min(100, Math.round((done / data.total) * 100)) : 0;
  return html`<div class="card job">
    <div class="page-head"><h2>${name}</h2>${data ? html`<${Status} value=${data.state} />` : html`<span class="muted">never ran</span>`}
      ${can(me, 'operator') ? html`<span class="actions">
        <button class="primary" onClick=${() => act('run')}>Run</button>
        <button onClick=${() => act('stop')} disabled=${data?.state !== 'running'}>Stop</button>
        <button onClick=${() => act('retry')} disabled=${!data?.failed}>Retry failed</button></span>` : null}
    </div>
    <${ErrorBox} error=${error || actionError} />
    ${data ? html`
      <div class="progress"><div style=${`width:${pct}%`}></div></div>
      <div class="cards small">
        <div class="stat"><span>Run key</span><strong>${data.runKey ?? '–'}</strong><small>pass ${data.pass ?? 1} · started ${time(data.startedAt)}</small></div>
        <div class="stat"><span>Done</span><strong>${num(done)} / ${num(data.total)}</strong><small>${num(data.printed)} printed · ${num(data.emailed)} e-mailed · ${num(data.failed)} failed</small></div>
        <div class="stat"><span>Throughput</span><strong>${(data.throughputPerSecond ?? 0).toFixed(1)}/s</strong><small>${num(data.inFlight)} in flight</small></div>
        <div class="stat"><span>ETA</span><strong>${eta(data.etaSeconds)}</strong><small>${data.finishedAt ? `finished ${time(data.finishedAt)}` : ''}</small></div>
      </div>
      ${data.error ? html`<div class="error">${data.error}</div>` : null}
      ${data.unknownEffects ? html`<${UnknownEffects} name=${name} me=${me} onChange=${reload} />` : null}` : null}
  </div>`;
}

function UnknownEffects({ name, me, onChange }) {
  const { data, error, reload } = useLoad(() => api(`/jobs/${encodeURIComponent(name)}/effects`, { query: { state: 'unknown' } }), [name]);
  const [actionError, setActionError] = useState();
  const items = Array.isArray(data) ? data : data?.items ?? [];
  const resolve = (effect, action) => {
    const reason = prompt(`${action === 'send' ? 'Send' : 'Mark done'} ${effect.effect} for ${effect.recipient}? Reason:`);
    if (!reason) return;
    api(`/jobs/${encodeURIComponent(name)}/effects/resolve`, { method: 'POST', body: { action, reason, effects: [{ runKey: effect.runKey, recipient: effect.recipient, effect: effect.effect }] } })
      .then(() => { reload(); onChange(); }, setActionError);
  };
  return html`<div class="unknown"><h3>Effects of unknown outcome</h3>
    <p class="muted">A print or e-mail was started and the bus cannot tell whether it happened. Decide each: send it (once) or mark it done.</p>
    <${ErrorBox} error=${error || actionError} />
    <table class="grid"><thead><tr><th>Run key</th><th>Recipient</th><th>Effect</th><th>Target</th><th>Since</th><th></th></tr></thead>
      <tbody>${items.map((e) => html`<tr><td>${e.runKey}</td><td>${e.recipient}</td><td>${e.effect}</td><td>${e.target}</td><td>${time(e.updatedAt ?? e.startedAt)}</td>
        <td>${can(me, 'operator') ? html`<button onClick=${() => resolve(e, 'send')}>Send</button> <button onClick=${() => resolve(e, 'done')}>Mark done</button>` : null}</td></tr>`)}</tbody></table>
  </div>`;
}
