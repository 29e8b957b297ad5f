/**
 * Which accounts shared workers can take: those delivering where every worker, on any
 * machine, can reach (a PostgreSQL archive). Its own module, without pg, so the CLI can check
 * the accounts before it loads the worker.
 */
import type { AccountConfig } from '../types.js';

export function isSharedDestination(config: AccountConfig): boolean {
  return config.destination.kind === 'archive' && config.destination.store === 'postgres';
}
