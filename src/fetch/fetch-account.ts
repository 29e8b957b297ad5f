/**
 * fetchAccount(): one account, one run. Lock the account, settle what a crashed run left
 * pending, connect, then the session (session.ts). Every way out is a FetchSummary or a
 * FetchError carrying one; no message is lost on any of them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Credentials, Pop3Client } from '../index.js';
import { spoolDirFor } from './delivery-sink.js';
import { CredentialsError, toFetchError } from './errors.js';
import { type DeliveryFs, nodeFs } from './fs-layer.js';
import { listMessages } from './listing.js';
import { applyLimits, classify } from './planner.js';
import { ledgerFor, recoverPending } from './recovery.js';
import { Report } from './report.js';
import { acquireRunLock, runLockPath } from './run-lock.js';
import { screen } from './screen.js';
import { runSession } from './session.js';
import { type StateEntry, StateFileError, StateStore } from './state-store.js';
import type { AccountConfig, FetchOptions, FetchSummary } from './types.js';
import { validateConfig } from './validate.js';

/** Internals a test (or an embedder) may replace; fetchAccount uses the defaults. */
export interface FetchDeps {
  /** File operations of the writers (a disk that fills up, in tests). */
  readonly fs?: DeliveryFs;
  readonly now?: () => number;
  /** Messages over this size (LIST octets) stream to their destination. Default 1 MiB. */
  readonly streamAbove?: number;
  /** Messages and octets per delivery batch. Defaults 250 and 8 MiB. */
  readonly batchMessages?: number;
  readonly batchBytes?: number;
}

/**
 * Fetches one account: new messages (by UIDL) into the destination, exactly once for
 * Maildir and mbox, at least once for an MDA; then DELE and QUIT as the policies say.
 * Resolves to the summary; `failed > 0` there is a partial success (those messages stay on
 * the server and are tried again next run).
 * @throws FetchError when the run ends early (`kind` says why, `summary` what was done).
 */
export function fetchAccount(config: AccountConfig, options: FetchOptions = {}): Promise<FetchSummary> {
  return runFetch(config, options, {});
}

export async function runFetch(
  config: AccountConfig,
  options: FetchOptions,
  deps: FetchDeps,
): Promise<FetchSummary> {
  const report = new Report(config.name, options.events);
  try {
    validateConfig(config);
    options.signal?.throwIfAborted();
    if (options.dryRun) await dryRun(config, options, report);
    else await fullRun(config, options, deps, report);
    return report.summary();
  } catch (error) {
    throw toFetchError(error, config.name, report.summary(), options.signal?.aborted === true);
  }
}

async function fullRun(config: AccountConfig, options: FetchOptions, deps: FetchDeps, report: Report) {
  const fs = deps.fs ?? nodeFs;
  const now = deps.now ?? Date.now;
  try {
    mkdirSync(dirname(config.statePath), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StateFileError(`cannot create the state directory: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const release = acquireRunLock(config.statePath, config.name);
  let store: StateStore | undefined;
  let client: Pop3Client | undefined;
  try {
    store = StateStore.open(config.statePath, config.name);
    const ledger = ledgerFor(store, now);
    const spoolDir = spoolDirFor(runLockPath(config.statePath, config.name));
    await recoverPending(store, fs, ledger, spoolDir, report);
    client = await connect(config, options.signal);
    await runSession({
      client,
      config,
      store,
      report,
      now,
      signal: options.signal,
      streamAbove: deps.streamAbove ?? 1024 * 1024,
      sink: {
        fs,
        ledger,
        spoolDir,
        now,
        batchMessages: deps.batchMessages ?? 250,
        batchBytes: deps.batchBytes ?? 8 * 1024 * 1024,
      },
    });
  } finally {
    // Without QUIT nothing marked is deleted (RFC 1939 §6), so closing is always safe.
    if (client !== undefined && client.state !== 'closed') client.close();
    store?.close();
    release();
  }
}

/** Lists what a run would fetch; writes nothing, locks nothing, retrieves nothing. */
async function dryRun(config: AccountConfig, options: FetchOptions, report: Report) {
  let entries: Map<string, StateEntry> = new Map();
  if (existsSync(config.statePath)) {
    const store = StateStore.open(config.statePath, config.name, { readOnly: true });
    try {
      entries = store.entries();
    } finally {
      store.close();
    }
  }
  const client = await connect(config, options.signal);
  try {
    const { messages } = await listMessages(client, (w) => report.warn(w));
    const classified = classify(messages, entries, config);
    const screened = await screen(client, classified.fresh, config);
    report.plan(
      applyLimits(
        screened.deliver.map((d) => d.message),
        config,
      ).take,
      classified.done.length,
    );
    await client.quit();
  } finally {
    if (client.state !== 'closed') client.close();
  }
}

async function connect(config: AccountConfig, signal: AbortSignal | undefined): Promise<Pop3Client> {
  const pass = config.password ? await credential(config.password, 'password') : undefined;
  const token = config.accessToken;
  if (pass === undefined && token === undefined) {
    throw new TypeError(`no password or access token for ${config.name}`);
  }
  const auth: Credentials = {
    user: config.user,
    pass,
    accessToken: token && (() => credential(token, 'access token')),
    mechanism: config.mechanism,
  };
  return Pop3Client.connect({
    host: config.host,
    port: config.port,
    secure: config.secure,
    starttls: config.starttls,
    tls: config.tls,
    timeout: config.timeout,
    allowInsecureAuth: config.allowInsecureAuth,
    signal,
    auth,
  });
}

/** A password or token source that fails (a keyring locked, a token command erroring) is a
 * failed login as far as the user is concerned. */
async function credential(source: () => Promise<string>, what: string): Promise<string> {
  try {
    return await source();
  } catch (error) {
    throw new CredentialsError(`cannot get the ${what}: ${(error as Error).message}`, { cause: error });
  }
}
