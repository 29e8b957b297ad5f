// A fetch in its own process, for the crash test: the test SIGKILLs it at random points.
// Argument: JSON { account (without password), password, batchMessages }. Prints one JSON
// line per event, so the parent can pick its moment; exits 0 done, 75 busy, 1 otherwise.
import { runFetch } from '../../src/fetch/fetch-account.js';
import type { AccountConfig } from '../../src/fetch/types.js';

interface ChildInput {
  readonly account: Omit<AccountConfig, 'password'>;
  readonly password: string;
  readonly batchMessages?: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

try {
  const summary = await runFetch(
    { ...input.account, password: async () => input.password },
    {
      events: {
        onPlan: (plan) => say({ plan: plan.messages }),
        onProgress: (progress) => say({ received: progress.messages }),
        onMessage: (event) => say({ [event.outcome]: event.uid }),
        onWarning: (warning) => say({ warning: warning.message }),
      },
    },
    { batchMessages: input.batchMessages },
  );
  say({ done: { delivered: summary.delivered, deleted: summary.deleted, recovered: summary.recovered } });
  process.exit(0);
} catch (error) {
  const kind = (error as { kind?: string }).kind;
  say({ error: kind ?? 'unknown', message: (error as Error).message });
  process.exit(kind === 'busy' ? 75 : 1);
}
