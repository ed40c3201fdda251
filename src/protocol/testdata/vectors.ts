// Loads xmod-vectors.json: test vectors produced by running Go 1.19's golang.org/x/mod (gen-vectors/main.go).
import { readFileSync } from 'node:fs';

type Json = any;

export const xmodVectors: Json = JSON.parse(
  readFileSync(new URL('./xmod-vectors.json', import.meta.url), 'utf8'),
);
