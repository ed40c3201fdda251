// Tests of the memory curve drawings: the text sparkline's scaling and bucketing, and the SVG's series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sparkline, svgChart } from './sparkline.js';

test('a rising series runs from the lowest bar to the highest', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
});

test('a flat series is drawn flat at the bottom, and an empty one as nothing', () => {
  assert.equal(sparkline([5, 5, 5]), '▁▁▁');
  assert.equal(sparkline([]), '');
});

test('long series are bucketed to the width, keeping each bucket’s highest value (a spike is never lost)', () => {
  const values = Array.from({ length: 100 }, (_, i) => (i === 57 ? 10 : 1));
  const line = sparkline(values, 10);
  assert.equal(line.length, 10);
  assert.equal(line, '▁▁▁▁▁█▁▁▁▁');
});

test('the SVG has one polyline per series with one point per sample, and escapes its title', () => {
  const svg = svgChart('RSS <1000 clients>', 's', 'MiB', [
    {
      name: 'a',
      points: [
        { x: 0, y: 1 },
        { x: 5, y: 2 },
        { x: 10, y: 3 },
      ],
    },
    { name: 'b', points: [{ x: 0, y: 1 }] },
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /RSS &lt;1000 clients>/);
  const polylines = [...svg.matchAll(/points="([^"]*)"/g)].map((m) => (m[1] ?? '').split(' ').length);
  assert.deepEqual(polylines, [3, 1]);
});
