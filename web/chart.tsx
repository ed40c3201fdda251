// A time-series chart (uPlot, canvas): as wide as its container, redrawn with new data in place, so the
// Ops view refreshes live without rebuilding charts or reloading.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Line {
  readonly label: string;
  readonly values: ReadonlyArray<number | null>;
  readonly color: string;
  /** Shown after values in the legend, e.g. ' ms'. */
  readonly unit?: string;
}

const HEIGHT = 180;
const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2'];
export const color = (i: number): string => PALETTE[i % PALETTE.length] as string;

export function Chart(props: { title: string; t: readonly number[]; lines: readonly Line[]; yMax?: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.lines.map((l) => l.label).join('\n');
  const data = [props.t, ...props.lines.map((l) => l.values)] as uPlot.AlignedData;

  // The chart is rebuilt only when its lines change; new data is drawn into it.
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false } },
      scales: { y: props.yMax === undefined ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } : { range: [0, props.yMax] } },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, size: 50 },
      ],
      series: [
        {},
        ...props.lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 2,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${+v.toFixed(2)}${l.unit ?? ''}`),
        })),
      ],
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, props.yMax]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart" data-test={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
      {props.t.length === 0 && <p class="muted">No samples yet: the first arrives within seconds.</p>}
    </figure>
  );
}
