// The gomodproxy dashboard in the browser: a header with the four views and the view the URL names.
// Everything it loads comes from this server (the bundle and /api/v1/); nothing from anywhere else.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Link, navigate, useLocation } from './router.js';
import type { Location } from './router.js';
import { AdminView } from './views/admin.js';
import { ModuleView } from './views/module.js';
import { ModulesView } from './views/modules.js';
import { OpsView } from './views/ops.js';
import { SetupView } from './views/setup.js';
import { VersionView } from './views/version.js';

const VIEWS = [
  ['/ui/setup', 'Setup'],
  ['/ui/ops', 'Ops'],
  ['/ui/modules', 'Modules'],
  ['/ui/admin', 'Admin'],
] as const;

function View(props: { loc: Location }) {
  const { path } = props.loc;
  if (path === '/ui/setup') return <SetupView />;
  if (path === '/ui/ops') return <OpsView loc={props.loc} />;
  if (path === '/ui/admin') return <AdminView loc={props.loc} />;
  if (path === '/ui/modules') return <ModulesView loc={props.loc} />;
  if (path.startsWith('/ui/modules/')) {
    const rest = path.slice('/ui/modules/'.length);
    const at = rest.indexOf('/@v/');
    return at < 0 ? <ModuleView path={rest} /> : <VersionView path={rest.slice(0, at)} version={rest.slice(at + 4)} />;
  }
  return <p class="error">No such view.</p>;
}

function App() {
  const loc = useLocation();
  // /ui/ itself shows what an operator opens the dashboard for most: the Ops view.
  useEffect(() => {
    if (loc.path === '/ui/' || loc.path === '/ui') navigate('/ui/ops', true);
  }, [loc.path]);
  const section = VIEWS.find(([href]) => loc.path === href || loc.path.startsWith(`${href}/`))?.[0];
  useEffect(() => {
    const name = VIEWS.find(([href]) => href === section)?.[1];
    document.title = name === undefined ? 'gomodproxy' : `${name} · gomodproxy`;
  }, [section]);
  return (
    <>
      <header>
        <Link href="/ui/ops" class="brand">
          gomodproxy
        </Link>
        <nav aria-label="views">
          {VIEWS.map(([href, name]) => (
            <Link key={href} href={href} class={href === section ? 'on' : ''}>
              {name}
            </Link>
          ))}
        </nav>
      </header>
      <main>
        <View loc={loc} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
