/**
 * Deciding, from the headers alone (TOP n 0), what happens to a message before it is
 * retrieved: header rules first (the first match wins), then the external filter command
 * with mpop's exit codes.
 */
import { describeExit, runCommand } from './command.js';
import { headerValues, parseHeaders } from './headers.js';
import type { Destination, FilterRule } from './types.js';

export type FilterVerdict =
  | { readonly action: 'deliver'; readonly destination?: Destination }
  | { readonly action: 'skip' | 'discard'; readonly reason: 'filter' | 'filter-command' }
  | { readonly action: 'fail'; readonly error: Error };

/** The filter command's exit codes (mpop's --filter). */
const FILTER_DELIVER = 0;
const FILTER_SKIP = 1;
const FILTER_DISCARD = 2;

export class FilterCommandError extends Error {
  readonly code = 'POP3KIT_FILTER';
}

/** Whether any filtering needs the headers (and so a TOP per new message). */
export function needsHeaders(rules: readonly FilterRule[] | undefined, command: string | undefined): boolean {
  return (rules?.length ?? 0) > 0 || command !== undefined;
}

/** The first rule whose header matches, or undefined. */
export function matchRule(rules: readonly FilterRule[], headerBlock: Buffer): FilterRule | undefined {
  const headers = parseHeaders(headerBlock);
  return rules.find((rule) =>
    headerValues(headers, rule.header).some((value) => {
      rule.pattern.lastIndex = 0; // a /g or /y pattern keeps state between test() calls
      return rule.pattern.test(value);
    }),
  );
}

export async function applyFilters(
  headerBlock: Buffer,
  rules: readonly FilterRule[] | undefined,
  command: string | undefined,
  uid: string,
): Promise<FilterVerdict> {
  const rule = rules ? matchRule(rules, headerBlock) : undefined;
  if (rule !== undefined) {
    if (rule.action === 'skip' || rule.action === 'discard') return { action: rule.action, reason: 'filter' };
    return { action: 'deliver', destination: rule.action.deliverTo };
  }
  if (command === undefined) return { action: 'deliver' };
  try {
    const result = await runCommand(command, headerBlock, { POP3KIT_UID: uid });
    if (result.code === FILTER_DELIVER) return { action: 'deliver' };
    if (result.code === FILTER_SKIP) return { action: 'skip', reason: 'filter-command' };
    if (result.code === FILTER_DISCARD) return { action: 'discard', reason: 'filter-command' };
    return {
      action: 'fail',
      error: new FilterCommandError(`the filter command failed for ${uid}: ${describeExit(result)}`),
    };
  } catch (error) {
    return {
      action: 'fail',
      error: new FilterCommandError(`the filter command could not be run: ${(error as Error).message}`, {
        cause: error,
      }),
    };
  }
}
