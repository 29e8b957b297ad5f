/** Human-readable sizes, rates and per-account summary lines. */
import { redactUrl } from '../../fetch/archive-url.js';
import type { Destination } from '../../fetch/types.js';
import type { AccountResult } from './result.js';

/** Binary units, matching how `--max-size 10M` is read. */
export function formatSize(octets: number): string {
  if (octets < 1024) return `${octets} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = octets / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatRate(octetsPerSecond: number): string {
  return `${formatSize(Math.round(octetsPerSecond))}/s`;
}

export function describeDestination(destination: Destination): string {
  if (destination.kind === 'mda') return `mda ${destination.command}`;
  if (destination.kind === 'archive')
    return destination.store === 'postgres'
      ? `archive ${redactUrl(destination.path)}`
      : `archive ${destination.store}:${destination.path}`;
  return `${destination.kind} ${destination.path}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per account for the end of a run. */
export function summaryLine(result: AccountResult): string {
  const { account, summary, error } = result;
  const seen = result.alreadySeen ? `; ${result.alreadySeen} already seen` : '';
  if (result.dryRun && summary && !error) {
    const octets = summary.planned.reduce((sum, m) => sum + m.size, 0);
    return `${account}: would fetch ${plural(summary.planned.length, 'message')} (${formatSize(octets)})${seen}`;
  }
  const parts: string[] = [];
  if (summary) {
    if (summary.delivered > 0)
      parts.push(
        `${summary.delivered} delivered (${formatSize(summary.octets)}) to ${describeDestination(result.destination)}`,
      );
    if (summary.skipped > 0) parts.push(`${summary.skipped} skipped`);
    if (summary.discarded > 0) parts.push(`${summary.discarded} discarded`);
    if (summary.deleted > 0) parts.push(`${summary.deleted} deleted from the server`);
    if (summary.failed > 0) parts.push(`${summary.failed} failed`);
    if (summary.recovered > 0) parts.push(`${summary.recovered} settled from an interrupted run`);
  }
  if (error) {
    const before = parts.length > 0 ? ` (before it stopped: ${parts.join(', ')})` : '';
    return `${account}: FAILED (${error.kind}): ${error.message}${before}`;
  }
  return `${account}: ${parts.length > 0 ? parts.join(', ') : 'nothing new'}${seen}`;
}

/** The `--dry-run` listing of one account. */
export function plannedLines(result: AccountResult): string[] {
  const planned = result.summary?.planned ?? [];
  if (planned.length === 0) return [];
  const width = String(Math.max(...planned.map((m) => m.msg))).length;
  return planned.map(
    (m) => `  ${String(m.msg).padStart(Math.max(width, 3))}  ${formatSize(m.size).padStart(9)}  ${m.uid}`,
  );
}
