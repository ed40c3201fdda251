// Text rendering of a doctor report for the terminal: settings with their origin and meaning, then
// findings ordered by severity, each with its fix as go env -w, export and PowerShell lines.
import type { DoctorReport } from './diagnose.js';

const LABEL = { error: 'ERROR  ', warning: 'WARNING', info: 'INFO   ' } as const;

export function renderText(r: DoctorReport): string {
  const lines: string[] = [];
  const from = r.source === 'go env -json' ? `go env -json (${r.goVersion ?? 'go'})` : 'the environment and the go env file (go was not run)';
  lines.push(`Go settings, read from ${from}; go env file: ${r.envFile ?? 'none'}`, '');
  for (const s of r.settings) {
    lines.push(`  ${s.name.padEnd(12)}${s.value === '' ? '(empty)' : s.value}   [${s.origin}]`);
    lines.push(`  ${''.padEnd(12)}${s.meaning}`);
  }
  lines.push('');
  if (r.findings.length === 0) lines.push('No problems found.');
  for (const f of r.findings) {
    lines.push(`${LABEL[f.severity]} ${f.variable}: ${f.message}`);
    const fix = f.fixLines;
    if (fix === undefined) continue;
    const rows = [...fix.goEnv, ...fix.export, ...fix.powershell];
    rows.forEach((row, i) => lines.push(`${i === 0 ? '        fix: ' : '             '}${row}`));
  }
  const c = r.counts;
  lines.push('', `${c.error} error(s), ${c.warning} warning(s), ${c.info} note(s).`);
  return `${lines.join('\n')}\n`;
}

/** The report in Markdown, for pasting into an issue or a sample. */
export function renderMarkdown(r: DoctorReport): string {
  const lines = ['| Variable | Value | Origin | Meaning |', '|---|---|---|---|'];
  for (const s of r.settings) lines.push(`| ${s.name} | \`${s.value || '(empty)'}\` | ${s.origin} | ${s.meaning.replace(/\|/g, '\\|')} |`);
  lines.push('');
  for (const f of r.findings) {
    lines.push(`- **${f.severity}** ${f.variable}: ${f.message}`);
    if (f.fixLines) lines.push('  ```sh', ...[...f.fixLines.goEnv, ...f.fixLines.export].map((l) => `  ${l}`), '  ```');
  }
  if (r.findings.length === 0) lines.push('No problems found.');
  return `${lines.join('\n')}\n`;
}
