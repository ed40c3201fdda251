// The Modules view: the modules the cache holds, found by path prefix (/ui/modules?q=github.com/foo), a
// page at a time straight from storage.
import { useEffect, useState } from 'preact/hooks';
import { getJson, moduleUrl } from '../api.js';
import { Link, navigate } from '../router.js';
import type { Location } from '../router.js';
import type { SearchPage } from '../types.js';

const PAGE = 50;

export function ModulesView(props: { loc: Location }) {
  const q = props.loc.query.get('q') ?? '';
  const [text, setText] = useState(q);
  const [found, setFound] = useState<{ modules: string[]; cursor?: string; error?: string; loading: boolean }>({ modules: [], loading: true });

  const load = (cursor: string | undefined, before: string[]) => {
    setFound({ modules: before, loading: true });
    const url = `/api/v1/modules?q=${encodeURIComponent(q)}&limit=${PAGE}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    getJson<SearchPage>(url).then(
      (p) => setFound({ modules: [...before, ...p.modules], cursor: p.cursor, loading: false }),
      (err: Error) => setFound({ modules: before, error: err.message, loading: false }),
    );
  };
  useEffect(() => {
    setText(q);
    load(undefined, []);
  }, [q]);

  const submit = (e: Event) => {
    e.preventDefault();
    navigate(text.trim() === '' ? '/ui/modules' : `/ui/modules?q=${encodeURIComponent(text.trim())}`);
  };
  return (
    <section>
      <h1>Modules</h1>
      <form class="search" onSubmit={submit}>
        <input
          type="search"
          name="q"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          placeholder="module path prefix, e.g. github.com/google"
          aria-label="module path prefix"
          autocomplete="off"
          spellcheck={false}
        />
        <button type="submit">Search</button>
      </form>
      {found.error !== undefined && <p class="error">{found.error}</p>}
      <ul class="modules" data-test="modules">
        {found.modules.map((m) => (
          <li key={m}>
            <Link href={moduleUrl('/ui/modules', m)} class="mono">
              {m}
            </Link>
          </li>
        ))}
      </ul>
      {found.loading && <p class="muted">Searching…</p>}
      {!found.loading && found.modules.length === 0 && found.error === undefined && (
        <p class="muted">{q === '' ? 'The cache holds no modules yet.' : `No cached module path starts with ${q}.`}</p>
      )}
      {!found.loading && found.cursor !== undefined && (
        <button type="button" onClick={() => load(found.cursor, found.modules)}>
          More
        </button>
      )}
    </section>
  );
}
