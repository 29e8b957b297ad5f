/**
 * The start of every run: settle the deliveries an earlier run left 'pending' (it crashed,
 * was killed, lost power) before anything else looks at the state, and clear its spool.
 */
import { settleArchive, settlePostgresArchive } from './archive-writer.js';
import type { DeliveryFs } from './fs-layer.js';
import { settleMaildir } from './maildir-writer.js';
import { settleMbox } from './mbox-writer.js';
import { settleMda } from './mda-writer.js';
import type { PendingDelivery } from './pending.js';
import type { Report } from './report.js';
import type { StateStore } from './state-store.js';
import type { Ledger } from './writer.js';

type Of<K extends PendingDelivery['kind']> = { uid: string; pending: Extract<PendingDelivery, { kind: K }> };

export function ledgerFor(store: StateStore, now: () => number): Ledger {
  return {
    markPending: (items) => store.markPending(items, now()),
    markDelivered: (items) =>
      store.markDone(
        items.map((d) => ({ uid: d.uid, status: 'delivered' as const, location: d.location })),
        now(),
      ),
    resetPending: (uids) => store.resetPending(uids),
  };
}

/** Settles every pending delivery; returns how many there were. */
export async function recoverPending(
  store: StateStore,
  fs: DeliveryFs,
  ledger: Ledger,
  spoolDir: string,
  report: Report,
): Promise<number> {
  for (const name of await fs.readdir(spoolDir)) await fs.unlink(`${spoolDir}/${name}`);
  const maildir: Of<'maildir'>[] = [];
  const mbox: Of<'mbox'>[] = [];
  const mda: Of<'mda'>[] = [];
  const archive: Of<'archive'>[] = [];
  const postgres: Of<'archive'>[] = [];
  for (const entry of store.entries().values()) {
    if (entry.status !== 'pending') continue;
    const { uid, pending } = entry;
    if (pending?.kind === 'maildir') maildir.push({ uid, pending });
    else if (pending?.kind === 'mbox') mbox.push({ uid, pending });
    else if (pending?.kind === 'mda') mda.push({ uid, pending });
    else if (pending?.kind === 'archive')
      (pending.store === 'postgres' ? postgres : archive).push({ uid, pending });
    else ledger.resetPending([uid]); // no record of where it went: nothing was written yet
  }
  const settled = [
    await settleMaildir(fs, maildir, ledger),
    await settleMbox(fs, mbox, ledger),
    settleMda(mda, ledger),
    settleArchive(archive, ledger),
    await settlePostgresArchive(postgres, ledger),
  ];
  const total = maildir.length + mbox.length + mda.length + archive.length + postgres.length;
  for (const { warnings } of settled) for (const warning of warnings) report.warn(warning);
  if (total > 0) {
    const delivered = settled.reduce((sum, s) => sum + s.delivered.length, 0);
    report.warn(
      `settled ${total} deliveries interrupted by an earlier run: ${delivered} had been delivered, ` +
        `${total - delivered} will be fetched again`,
    );
  }
  report.recovered(total);
  return total;
}
