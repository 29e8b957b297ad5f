/**
 * The filter pass: TOP n 0 of every candidate (pipelined), then the header rules and the
 * filter command decide. Only messages that pass are retrieved.
 */
import { Pop3AuthError, type Pop3Client, Pop3ServerError } from '../index.js';
import { applyFilters, type FilterVerdict, needsHeaders } from './filters.js';
import type { ListedMessage } from './planner.js';
import type { AccountConfig, Destination } from './types.js';

export interface Screened {
  readonly deliver: { message: ListedMessage; destination: Destination }[];
  readonly skip: { message: ListedMessage; reason: string }[];
  readonly discard: { message: ListedMessage; reason: string }[];
  readonly fail: { message: ListedMessage; error: Error }[];
}

export async function screen(
  client: Pop3Client,
  candidates: readonly ListedMessage[],
  config: Pick<AccountConfig, 'filters' | 'filterCommand' | 'destination'>,
): Promise<Screened> {
  const result: Screened = { deliver: [], skip: [], discard: [], fail: [] };
  if (!needsHeaders(config.filters, config.filterCommand)) {
    for (const message of candidates) result.deliver.push({ message, destination: config.destination });
    return result;
  }
  if (!topOffered(client)) {
    const error = new Error('the server does not offer TOP, which header filters need');
    for (const message of candidates) result.fail.push({ message, error });
    return result;
  }
  let rest = candidates;
  while (rest.length > 0) {
    let done = 0;
    try {
      for await (const { data } of client.topMany(
        rest.map((m) => m.msg),
        0,
      )) {
        const message = rest[done]!;
        sort(
          result,
          message,
          await applyFilters(data, config.filters, config.filterCommand, message.uid),
          config,
        );
        done++;
      }
      break;
    } catch (error) {
      if (!(error instanceof Pop3ServerError) || error instanceof Pop3AuthError) throw error;
      // TOP refused for this one (or not supported at all): it cannot be judged, so it is
      // not fetched this run, which is what "fail" means.
      result.fail.push({ message: rest[done]!, error });
      rest = rest.slice(done + 1);
    }
  }
  return result;
}

/** False only when CAPA was answered and lacks TOP (RFC 2449 §6.2); without CAPA, try. */
function topOffered(client: Pop3Client): boolean {
  const c = client.capabilities;
  const capaKnown = c.uidl || c.user || c.sasl.length > 0 || c.pipelining || c.respCodes;
  return c.top || !capaKnown;
}

function sort(
  result: Screened,
  message: ListedMessage,
  verdict: FilterVerdict,
  config: Pick<AccountConfig, 'destination'>,
): void {
  if (verdict.action === 'deliver') {
    result.deliver.push({ message, destination: verdict.destination ?? config.destination });
  } else if (verdict.action === 'fail') result.fail.push({ message, error: verdict.error });
  else result[verdict.action].push({ message, reason: verdict.reason });
}
