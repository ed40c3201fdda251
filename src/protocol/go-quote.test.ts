// Checks goQuote/goQuoteRune against Go 1.19's strconv.Quote and strconv.QuoteRune (outputs of the real code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goQuoteRune } from './go-quote.js';

const quote: Record<string, string> = {
  '': '""',
  '\u0007\b\f\n\r\u000b': '"\\a\\b\\f\\n\\r\\v"',
  'a\tb\u0000\u00e9\u200b\ud83d\ude00\\"': '"a\\tb\\x00\u00e9\\u200b\ud83d\ude00\\\\\\""',
  "\u007f\u00a0\udb40\udc01'": '"\\x7f\\u00a0\\U000e0001\'"',
};
const quoteRune: Record<string, string> = {
  '\u0000': "'\\x00'",
  '"': "'\"'",
  "'": "'\\''",
  '\\': "'\\\\'",
  x: "'x'",
  '\u0301': "'\u0301'",
  '\u2028': "'\\u2028'",
};

test('goQuote escapes exactly as strconv.Quote does', () => {
  for (const [s, want] of Object.entries(quote)) assert.equal(goQuote(s), want, JSON.stringify(s));
});

test('goQuoteRune escapes exactly as strconv.QuoteRune does', () => {
  for (const [s, want] of Object.entries(quoteRune)) assert.equal(goQuoteRune(s), want, JSON.stringify(s));
});
