// How numbers, sizes, times and hashes read in the views.

export function bytes(n: number | undefined): string {
  if (n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const percent = (r: number | null | undefined): string => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)} %`);

export const count = (n: number): string => n.toLocaleString('en-US');

export function rate(n: number, ms: number): string {
  const perSecond = n / (ms / 1000);
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(2);
}

export function date(iso: string | undefined): string {
  if (iso === undefined) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}
