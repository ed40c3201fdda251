// Go's path.Clean and path.Split/Base for '/'-separated paths: the zip rules call a path "clean" when
// path.Clean leaves it unchanged, and Node's path.posix.normalize differs (trailing slashes, "").

/** path.Clean: drops empty and "." elements, resolves "..", never ends in "/" (except "/"); "" → ".". */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const elem of p.split('/')) {
    if (elem === '' || elem === '.') continue;
    if (elem === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(elem);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** path.Base of an already clean, non-empty relative path: its last element. */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** True when a name is "go.mod" up to ASCII case (strings.EqualFold; no other rune folds into these letters). */
export function isGoModName(name: string): boolean {
  return name.length === 6 && name.replace(/[A-Z]/g, (c) => c.toLowerCase()) === 'go.mod';
}
