// The shell: sign-in until a token is accepted, then a header (navigation, who is signed in, sign-out)
// and the page the path under /ui/ names (deep links work: the server answers index.html there).
import { useEffect, useState } from 'preact/hooks';
import { canWrite, forgetToken, storedToken, whoami, type Identity } from './api';
import { SignIn } from './pages/signin';
import { Overview } from './pages/overview';
import { Namespaces } from './pages/namespaces';
import { NodeDetails, Nodes } from './pages/nodes';
import { Drivers } from './pages/drivers';
import { Events } from './pages/events';
import { Deploy } from './pages/deploy';
import { namespaceRoute } from './components/service-nav';
import { NamespacePage } from './pages/namespace';
import { ServicePage } from './pages/service';

const PAGES = [
  { path: '/ui/', title: 'Overview' },
  { path: '/ui/namespaces', title: 'Namespaces' },
  { path: '/ui/nodes', title: 'Nodes' },
  { path: '/ui/drivers', title: 'Drivers' },
  { path: '/ui/events', title: 'Events' },
  { path: '/ui/deploy', title: 'Deploy', write: true },
] as const;

/** A path segment as written; one that is not valid %-encoding stays as it is. */
const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};


function usePath(): [string, (p: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  const go = (p: string) => {
    history.pushState(null, '', p);
    setPath(p);
    // A screen reader and the keyboard land on the new page's content, not on the link just used.
    requestAnimationFrame(() => document.getElementById('main')?.focus());
  };
  return [path, go];
}

export function App() {
  const [me, setMe] = useState<Identity | undefined>();
  const [checking, setChecking] = useState(storedToken() !== undefined);
  const [path, go] = usePath();

  // A token kept from earlier in this tab: ask who it is; a token no longer valid goes back to sign-in.
  useEffect(() => {
    if (!checking) return;
    whoami().then(setMe, () => forgetToken()).finally(() => setChecking(false));
  }, []);

  // A namespace's page and a service's (/ui/namespaces/NS[/services/NAME]) are under Namespaces; any other
  // page's own sub-paths (/ui/nodes/NAME) belong to it.
  const nsRoute = namespaceRoute(path);
  const page = PAGES.find((p) => p.path === path) ?? PAGES.find((p) => p.path !== '/ui/' && path.startsWith(`${p.path}/`)) ?? PAGES[0];
  const title = nsRoute ? (nsRoute.svc ? `Service ${nsRoute.svc}` : `Namespace ${nsRoute.ns}`) : page.title;
  useEffect(() => {
    document.title = me ? `${title} · Last.Backend` : 'Sign in · Last.Backend';
  }, [me, title]);

  if (checking) return <main id="main"><p role="status">Checking the saved sign-in…</p></main>;
  if (!me) return <SignIn onSignedIn={setMe} />;
  const signOut = () => {
    forgetToken();
    setMe(undefined);
  };
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Last.Backend</span>
        <nav aria-label="Main">
          <ul>
            {PAGES.filter((p) => !('write' in p) || canWrite(me)).map((p) => (
              <li key={p.path}>
                <a href={p.path} aria-current={p === page ? 'page' : undefined} onClick={(e) => (e.preventDefault(), go(p.path))}>{p.title}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="identity">
            {me.description ?? (me.token ? `token ${me.token}` : 'admin token')} <span class="role">({me.role}{me.namespaces ? `: ${me.namespaces.join(', ')}` : ''})</span>
          </span>
          <button type="button" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {nsRoute ? (
          nsRoute.svc ? <ServicePage key={path} me={me} ns={nsRoute.ns} svc={nsRoute.svc} /> : <NamespacePage key={path} me={me} ns={nsRoute.ns} />
        ) : page.path === '/ui/namespaces' ? <Namespaces me={me} />
          : page.path === '/ui/nodes' ? (path.startsWith('/ui/nodes/') ? <NodeDetails key={path} me={me} name={safeDecode(path.slice('/ui/nodes/'.length))} go={go} /> : <Nodes me={me} go={go} />)
          : page.path === '/ui/drivers' ? <Drivers me={me} />
          : page.path === '/ui/events' ? <Events me={me} />
          : page.path === '/ui/deploy' ? <Deploy me={me} />
          : <Overview me={me} />}
      </main>
    </>
  );
}
