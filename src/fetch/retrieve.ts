/**
 * Retrieval: runs of small messages through the pipelined retrMany, each big message as a
 * stream straight to its writer (bounded memory). A -ERR on one RETR fails that message only;
 * the rest of the run goes on. Anything else (a dropped connection, a delivery error) ends it.
 */
import { Pop3AuthError, type Pop3Client, Pop3ServerError } from '../index.js';
import type { DeliverySink, SinkItem } from './delivery-sink.js';
import type { Report } from './report.js';

/** A -ERR for this message alone; the session goes on (DESIGN: -ERR leaves it usable). */
function isMessageRefusal(error: unknown): error is Pop3ServerError {
  return error instanceof Pop3ServerError && !(error instanceof Pop3AuthError);
}

export async function retrieveAll(
  client: Pop3Client,
  items: readonly SinkItem[],
  sink: DeliverySink,
  report: Report,
  options: { readonly streamAbove: number; readonly signal?: AbortSignal },
): Promise<void> {
  const big = (item: SinkItem) => item.message.size > options.streamAbove;
  try {
    for (let i = 0; i < items.length; ) {
      options.signal?.throwIfAborted();
      const first = items[i]!;
      if (big(first)) {
        await retrieveStream(client, first, sink, report);
        i++;
        continue;
      }
      let end = i;
      while (end < items.length && !big(items[end]!)) end++;
      await retrieveRun(client, items.slice(i, end), sink, report, options.signal);
      i = end;
    }
  } catch (error) {
    // The connection dropped or the run was aborted: the messages already received in full
    // are still delivered, rather than fetched again next time. (After a delivery failure
    // the batch is already gone and this does nothing.)
    await sink.flush().catch((flushError: Error) => report.warn(flushError.message));
    throw error;
  }
  await sink.flush();
}

async function retrieveStream(client: Pop3Client, item: SinkItem, sink: DeliverySink, report: Report) {
  let source: Awaited<ReturnType<Pop3Client['retrStream']>>;
  try {
    source = await client.retrStream(item.message.msg);
  } catch (error) {
    if (!isMessageRefusal(error)) throw error;
    report.message(item.message, 'failed', { error });
    return;
  }
  await sink.stream(item, source);
}

async function retrieveRun(
  client: Pop3Client,
  run: readonly SinkItem[],
  sink: DeliverySink,
  report: Report,
  signal: AbortSignal | undefined,
): Promise<void> {
  let rest = run;
  while (rest.length > 0) {
    let done = 0;
    let sinkFailed = false;
    try {
      // LIST sizes let retrMany bound the octets in flight, not only the commands.
      const msgs = rest.map(({ message }) => ({ msg: message.msg, size: message.size }));
      for await (const { data } of client.retrMany(msgs)) {
        signal?.throwIfAborted();
        sinkFailed = true;
        await sink.add(rest[done]!, data);
        sinkFailed = false;
        done++;
      }
      return;
    } catch (error) {
      if (sinkFailed || !isMessageRefusal(error)) throw error;
      // retrMany stopped at the refused message and drained the rest; go on after it.
      report.message(rest[done]!.message, 'failed', { error });
      rest = rest.slice(done + 1);
    }
  }
}
