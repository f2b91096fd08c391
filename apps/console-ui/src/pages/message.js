import { api } from '../api.js';
import { ErrorBox, html, Json, Status, time, useLoad } from '../ui.js';

const nativeText = (raw) => (raw.encoding === 'base64' ? `(${raw.contentType}, ${raw.bytes} bytes, binary)` : raw.data) + (raw.truncated ? `\n… cut at ${raw.data.length} of ${raw.bytes} bytes` : '');

/** One message's journey: every hop on a timeline, attempts with status codes and durations, bodies, and its business key's other messages. */
export function MessagePage({ id }) {
  const { data, error } = useLoad(() => api(`/messages/${encodeURIComponent(id)}`), [id]);
  if (!data) return html`<${ErrorBox} error=${error} />${error ? null : html`<p class="muted">Loading…</p>`}`;
  const m = data.message;
  return html`<section>
    <div class="page-head"><h1>Message <code>${m.id}</code></h1><a href="#/messages">← all messages</a></div>
    <div class="cards">
      <div class="card stat"><span>Type</span><strong><code>${m.type}</code></strong><small>from ${m.source}</small></div>
      <div class="card stat"><span>Status</span><strong><${Status} value=${m.status} /></strong><small>received ${time(m.receivedAt)}</small></div>
      <div class="card stat"><span>Correlation</span><strong><a href=${`#/messages?correlationId=${encodeURIComponent(m.correlationId)}`}><code>${m.correlationId.slice(0, 18)}</code></a></strong><small>config ${m.configVersion ?? '–'}</small></div>
      <div class="card stat"><span>Business keys</span><strong>${(m.businessKeys ?? []).map((k) => html`<a class="key" href=${`#/messages?businessKey=${encodeURIComponent(k)}`}>${k}</a> `)}</strong><small>${m.businessKeys?.length ? 'everything about it below' : 'none declared'}</small></div>
    </div>
    <div class="split">
      <div class="card"><h2>Journey</h2>
        <ol class="timeline" id="hops">${data.hops.map((hop) => html`<li class=${`hop ${hop.kind} ${hop.outcome ?? ''}`}>
          <time>${time(hop.at)}</time>
          <div><strong>${hop.kind}</strong>${hop.destination ? html` → <b>${hop.destination}</b>` : null}
            ${hop.attempt ? html` <span class="muted">attempt ${hop.attempt}</span>` : null}
            ${hop.statusCode ? html` <span class="badge">${hop.statusCode}</span>` : null}
            ${hop.durationMs !== undefined ? html` <span class="muted">${hop.durationMs} ms</span>` : null}
            ${hop.outcome ? html` <${Status} value=${hop.outcome} />` : null}
            ${hop.detail ? html`<div class="detail">${hop.detail}</div>` : null}
            ${hop.error ? html`<div class="detail bad">${hop.error}</div>` : null}
          </div>
        </li>`)}</ol>
        <h3>Destinations</h3>
        <ul class="plain">${Object.entries(m.destinations).map(([d, s]) => html`<li>${d}: <${Status} value=${s.status} /> <span class="muted">${s.attempts} attempts</span></li>`)}</ul>
      </div>
      <div>
        <div class="card"><h2>Canonical</h2>${m.canonical ? html`<${Json} value=${m.canonical} />` : html`<p class="muted">Not kept.</p>`}</div>
        <div class="card"><h2>Native <small class="muted">${m.rawNative?.contentType ?? ''}</small></h2>${m.rawNative ? html`<${Json} value=${nativeText(m.rawNative)} />` : html`<p class="muted">Not kept (journal.maxRawBytes 0, or made inside the bus).</p>`}</div>
      </div>
    </div>
    ${(m.businessKeys ?? []).map((k) => html`<${Related} key=${k} businessKey=${k} self=${m.id} />`)}
  </section>`;
}

function Related({ businessKey, self }) {
  const { data } = useLoad(() => api('/messages', { query: { businessKey, limit: 50 } }), [businessKey]);
  const others = (data?.items ?? []).filter((o) => o.id !== self);
  return html`<div class="card related"><h2>Everything about <span class="key">${businessKey}</span></h2>
    ${others.length === 0 ? html`<p class="muted">No other messages carry this key.</p>` : html`<table class="grid"><tbody>${others.map((o) => html`<tr>
      <td>${time(o.receivedAt)}</td><td><a href=${`#/messages/${encodeURIComponent(o.id)}`}><code>${o.type}</code></a></td><td>${o.source}</td><td><${Status} value=${o.status} /></td></tr>`)}</tbody></table>`}
  </div>`;
}
