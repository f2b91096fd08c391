import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, token } from './api.js';
import { html, ErrorBox } from './ui.js';
import { OverviewPage } from './pages/overview.js';
import { MessagesPage } from './pages/messages.js';
import { MessagePage } from './pages/message.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { JobsPage } from './pages/jobs.js';
import { ConfigPage } from './pages/config.js';
import { AuditPage } from './pages/audit.js';

const PAGES = [
  ['overview', 'Overview'],
  ['messages', 'Messages'],
  ['dead-letters', 'Dead letters'],
  ['jobs', 'Jobs'],
  ['config', 'Config'],
  ['audit', 'Audit'],
];

/** `#/messages/abc?x=1` -> { page: 'messages', id: 'abc', params: URLSearchParams }. */
function parseHash() {
  const [path, query] = window.location.hash.replace(/^#\/?/, '').split('?');
  const [page, ...rest] = path.split('/');
  return { page: page || 'overview', id: rest.length ? decodeURIComponent(rest.join('/')) : undefined, params: new URLSearchParams(query ?? '') };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onSignedIn }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState();
  const submit = async (e) => {
    e.preventDefault();
    token.set(value.trim());
    try {
      onSignedIn(await api('/me'));
    } catch (err) {
      token.clear();
      setError(err);
    }
  };
  return html`<main class="signin">
    <form onSubmit=${submit} class="card">
      <h1>bpi-bus console</h1>
      <p>Sign in with your admin token (ADMIN_TOKEN, or a named token from ADMIN_TOKENS / ADMIN_TOKENS_FILE).</p>
      <label>Token <input type="password" name="token" autocomplete="current-password" value=${value} onInput=${(e) => setValue(e.target.value)} autofocus /></label>
      <button type="submit" class="primary">Sign in</button>
      <${ErrorBox} error=${error} />
    </form>
  </main>`;
}

function Page({ route, me }) {
  switch (route.page) {
    case 'messages':
      return route.id ? html`<${MessagePage} id=${route.id} me=${me} />` : html`<${MessagesPage} params=${route.params} />`;
    case 'dead-letters':
      return html`<${DeadLettersPage} me=${me} params=${route.params} />`;
    case 'jobs':
      return html`<${JobsPage} me=${me} />`;
    case 'config':
      return html`<${ConfigPage} me=${me} />`;
    case 'audit':
      return html`<${AuditPage} />`;
    default:
      return html`<${OverviewPage} />`;
  }
}

function App() {
  const route = useRoute();
  const [me, setMe] = useState();
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    const out = () => setMe(undefined);
    window.addEventListener('console:signed-out', out);
    if (token.get()) api('/me').then(setMe, () => token.clear()).finally(() => setChecked(true));
    else setChecked(true);
    return () => window.removeEventListener('console:signed-out', out);
  }, []);
  if (!checked) return null;
  if (!me) return html`<${SignIn} onSignedIn=${setMe} />`;
  const signOut = () => {
    token.clear();
    setMe(undefined);
  };
  return html`<div class="shell">
    <header class="top">
      <a class="brand" href="#/overview">bpi-bus</a>
      <nav>${PAGES.map(([id, label]) => html`<a href=${`#/${id}`} class=${route.page === id ? 'active' : ''}>${label}</a>`)}</nav>
      <span class="who" data-role=${me.role}>${me.name} · ${me.role}</span>
      <button class="link" onClick=${signOut}>Sign out</button>
    </header>
    <main class="content"><${Page} route=${route} me=${me} /></main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
