// Connecting the client to the bulk tests' stub server.
import { type ConnectOptions, Pop3Client } from '../../src/index.js';
import type { StubServer } from './stub-server.js';

export function connectTo(server: StubServer, options: Partial<ConnectOptions> = {}): Promise<Pop3Client> {
  return Pop3Client.connect({
    host: '127.0.0.1',
    port: server.port,
    starttls: 'never',
    timeout: 10_000,
    auth: { user: 'bench', pass: 'secret', mechanism: 'USER' },
    ...options,
  });
}

/** 1..n */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/**
 * Liveness guard, not a timing assertion: rejects with `what` when `promise` has not settled
 * after a generous `ms`, so a deadlock fails the test instead of hanging the whole run.
 */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadlock: ${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
