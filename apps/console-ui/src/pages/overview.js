import { api } from '../api.js';
import { age, Badge, ErrorBox, html, num, Status, time, useLoad } from '../ui.js';
import { RouteGraph } from './route-graph.js';

export function OverviewPage() {
  const { data, error, reload } = useLoad(() => api('/console/overview'), [], 5000);
  if (!data) return html`<${ErrorBox} error=${error} />${error ? null : html`<p class="muted">Loading…</p>`}`;
  const dead = data.destinations.reduce((n, d) => n + d.deadLetters, 0);
  return html`<section>
    <div class="page-head"><h1>Overview</h1><button onClick=${reload}>Refresh</button></div>
    <${ErrorBox} error=${error} />
    <div class="cards">
      <div class="card stat"><span>Broker</span><strong>${data.broker.connected ? html`<${Badge} tone="ok">connected<//>` : html`<${Badge} tone="bad">disconnected<//>`}</strong><small>${data.broker.namespace ? `namespace ${data.broker.namespace}` : 'default namespace'}</small></div>
      <div class="card stat"><span>Config version</span><strong><code>${data.config.version}</code></strong><small>loaded ${time(data.config.loadedAt)}</small></div>
      <div class="card stat"><span>Destinations</span><strong>${data.destinations.length}</strong><small>${data.destinations.filter((d) => d.health !== 'up').length} not up</small></div>
      <div class="card stat"><span>Dead letters</span><strong><a href="#/dead-letters">${num(dead)}</a></strong><small>waiting for an operator</small></div>
    </div>
    <div class="card"><h2>Routes</h2><${RouteGraph} overview=${data} /></div>
    <div class="card"><h2>Destinations</h2>
      <table class="grid" id="destinations">
        <thead><tr><th>Destination</th><th>Health</th><th class="n">Queue</th><th class="n">In flight</th><th class="n">Delivered/min</th><th class="n">Failed/min</th><th class="n">Dead letters</th><th class="n">Waiting</th><th>Oldest waiting</th></tr></thead>
        <tbody>${data.destinations.map((d) => html`<tr data-destination=${d.name}>
          <td><a href=${`#/messages?system=${encodeURIComponent(d.name)}`}>${d.name}</a>${d.kind === 'processor' ? html` <small class="muted">processor</small>` : null}</td>
          <td><${Status} value=${d.health} />${d.healthDetail ? html`<div class="detail">${d.healthDetail}</div>` : null}</td>
          <td class="n">${num(d.queueDepth)}</td><td class="n">${num(d.inFlight)}</td>
          <td class="n">${num(d.deliveredPerMinute)}</td><td class="n">${num(d.failedPerMinute)}</td>
          <td class="n">${d.deadLetters ? html`<a href=${`#/dead-letters?system=${encodeURIComponent(d.name)}`}>${num(d.deadLetters)}</a>` : '0'}</td>
          <td class="n">${num(d.waiting)}</td><td>${d.oldestWaitingAt ? age(d.oldestWaitingAt) : '–'}</td>
        </tr>`)}</tbody>
      </table>
    </div>
    ${data.objectives.length ? html`<div class="card"><h2>Service-level objectives</h2>
      <table class="grid"><thead><tr><th>Route</th><th>Objective</th><th>Now</th><th>Status</th></tr></thead>
        <tbody>${data.objectives.map((o) => html`<tr>
          <td>${o.route}${o.degradesReadiness ? html` <small class="muted">(readiness)</small>` : null}</td>
          <td>${[o.maxAgeSeconds !== undefined ? `oldest ≤ ${o.maxAgeSeconds}s` : null, o.maxDeadLetters !== undefined ? `dead letters ≤ ${o.maxDeadLetters}` : null].filter(Boolean).join(', ')}</td>
          <td>oldest ${Math.round(o.oldestAgeSeconds)}s, ${o.deadLetters} dead letters</td>
          <td>${o.ok ? html`<${Badge} tone="ok">met<//>` : html`<${Badge} tone="bad">broken<//> <small>${o.problems.join('; ')}</small>`}</td>
        </tr>`)}</tbody></table></div>` : null}
  </section>`;
}
