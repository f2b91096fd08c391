import { html } from '../ui.js';

const COL_W = 330;
const ROW_H = 70;
const NODE_W = 170;
const NODE_H = 34;

/**
 * Which system sends what to whom: senders on the left, bus-internal processors in the middle,
 * destinations on the right, one arrow per route and destination, labelled with its message types.
 * A system that both sends and receives appears in both columns.
 */
export function RouteGraph({ overview }) {
  const { systems, processors, routes, destinations } = overview;
  const healthOf = Object.fromEntries(destinations.map((d) => [d.name, d.health]));
  const processorSet = new Set(processors);
  const senders = [...new Set(routes.map((r) => r.from ?? '(any source)'))].filter((s) => !processorSet.has(s));
  const receivers = [...new Set(routes.flatMap((r) => r.to))].filter((s) => !processorSet.has(s));
  const columns = [senders, processors, receivers];
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const height = rows * ROW_H + 20;
  const width = COL_W * 2 + NODE_W + 40;
  const pos = (col, name) => ({ x: 20 + col * COL_W, y: 10 + columns[col].indexOf(name) * ROW_H + (rows - columns[col].length) * (ROW_H / 2) });
  const from = (name) => (processorSet.has(name) ? pos(1, name) : pos(0, name));
  const to = (name) => (processorSet.has(name) ? pos(1, name) : pos(2, name));
  const inbound = new Set(systems.filter((s) => s.inbound).map((s) => s.name));
  // One arrow per (sender, destination), however many routes it stands for.
  const pairs = new Map();
  for (const r of routes) {
    for (const dest of r.to) {
      const source = r.from ?? '(any source)';
      const key = `${source}\u0000${dest}`;
      const pair = pairs.get(key) ?? { a: from(source), b: to(dest), dest, names: [], types: [] };
      pair.names.push(r.name);
      pair.types.push(...r.types);
      pairs.set(key, pair);
    }
  }
  const edges = [...pairs.values()];
  const node = (col, name) => {
    const p = pos(col, name);
    const tone = col === 0 ? (inbound.has(name) ? 'source' : 'muted') : healthOf[name] ?? 'up';
    return html`<g class=${`node ${tone}`} transform=${`translate(${p.x},${p.y})`}>
      <rect width=${NODE_W} height=${NODE_H} rx="6" />
      <text x=${NODE_W / 2} y=${NODE_H / 2 + 4} text-anchor="middle">${name}</text>
    </g>`;
  };
  return html`<svg class="graph" viewBox=${`0 0 ${width} ${height}`} width="100%" style=${`max-height:${height + 10}px`} role="img" aria-label="Routes between systems">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" /></marker></defs>
    ${edges.map(({ names, types, a, b, dest }) => {
      const label = types.length > 1 ? `${types[0]} +${types.length - 1}` : types[0];
      const title = html`<title>${`${names.join(', ')}: ${types.join(', ')} → ${dest}`}</title>`;
      if (a.x === b.x) {
        // Processor to processor (one column): straight down or up, labelled beside it.
        const x = a.x + NODE_W / 2, down = b.y > a.y, y1 = down ? a.y + NODE_H : a.y, y2 = down ? b.y - 4 : b.y + NODE_H + 4;
        return html`<g class="edge">${title}<path d=${`M${x},${y1} L${x},${y2}`} marker-end="url(#arrow)" /><text x=${x + 6} y=${(y1 + y2) / 2 + 4}>${label}</text></g>`;
      }
      const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      // The label sits at the sender's end, where arrows of one sender are still apart.
      return html`<g class="edge">${title}
        <path d=${`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 4},${y2}`} marker-end="url(#arrow)" />
        <text x=${x1 + 8} y=${y1 - 5} text-anchor="start">${label}</text>
      </g>`;
    })}
    ${columns.map((c, col) => c.map((name) => node(col, name)))}
  </svg>`;
}
