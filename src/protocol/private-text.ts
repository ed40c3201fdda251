// Private module paths (--private) named inside free text: an error message that carries a storage key or a
// file's path (`mkdir '/data/cache/corp.example/x/@v'`), a stack. Each word that holds such a path, from any
// of its first elements on and up to an '@', `!`-escaped or not, becomes `<private>` before the text reaches
// a log. The work is bounded per word and per path, so a long text costs time in its length only.
const WORD = /[^\s'"`,;()[\]{}<>=|]+/g;
/** Where a module path may start in a word (a file path puts the store's folders first). */
const MAX_START = 32;
/**
 * Longer than any module path served (700 bytes escaped), and more elements than any --private glob has:
 * private paths match by prefix, so what follows cannot change the answer.
 */
const MAX_CANDIDATE = 1024;
const MAX_ELEMENTS = 32;

export function redactPrivateText(text: string, isPrivate: (modulePath: string) => boolean): string {
  return text.replace(WORD, (word) => (elementsNamePrivate(word.split('/', MAX_START + MAX_ELEMENTS), isPrivate) ? '<private>' : word));
}

/**
 * Whether a path split at its slashes names a private module path: read from any of its first `maxStart`
 * elements on, up to the first '@' (`corp.example/x/@v/list`, `corp.example/x@v1.0.0`), as written or
 * `!`-escaped (storage keys, file names, GOPROXY URLs).
 */
export function elementsNamePrivate(elements: readonly string[], isPrivate: (modulePath: string) => boolean, maxStart = MAX_START): boolean {
  for (let i = 0; i < Math.min(elements.length, maxStart); i++) {
    let candidate = '';
    for (let j = i; j < elements.length && j - i < MAX_ELEMENTS && candidate.length <= MAX_CANDIDATE; j++) {
      const e = elements[j] as string;
      const at = e.indexOf('@');
      const part = at < 0 ? e : e.slice(0, at);
      if (part !== '') candidate = candidate === '' ? part : `${candidate}/${part}`;
      if (at >= 0) break;
    }
    if (candidate === '') continue;
    if (isPrivate(candidate)) return true;
    if (candidate.includes('!') && isPrivate(candidate.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase()))) return true;
  }
  return false;
}
