// A small router over the History API: every view has a URL of its own under /ui/ to share and bookmark,
// and in-app links change views without reloading the page.
import { createElement } from 'preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const CHANGED = 'gmp:navigate';

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGED));
  if (!replace) window.scrollTo(0, 0);
}

export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * The path with each segment decoded as the links built it (`encodeURIComponent`): decodeURI would leave the
 * reserved characters escaped, so the `+` of a `+incompatible` version stayed `%2B` and reached the API escaped
 * twice. A segment that is not valid percent-encoding is kept as it is.
 */
function decodePath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

export function useLocation(): Location {
  const read = (): Location => ({ path: decodePath(location.pathname), query: new URLSearchParams(location.search) });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const on = () => setLoc(read());
    window.addEventListener('popstate', on);
    window.addEventListener(CHANGED, on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener(CHANGED, on);
    };
  }, []);
  return loc;
}

export function Link(props: { href: string; class?: string; children: ComponentChildren; title?: string }) {
  const onClick = (e: MouseEvent) => {
    // New tabs and windows keep the browser's own behaviour.
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return createElement('a', { href: props.href, class: props.class, title: props.title, onClick }, props.children);
}
