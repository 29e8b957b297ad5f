/** Flag value parsers for commander: the shared value checks, reported as commander errors. */
import { InvalidArgumentError } from 'commander';
import { expandPath } from './paths.js';
import { UsageError } from './values.js';

/** Wraps a value parser so its UsageError becomes commander's "argument ... is invalid". */
export function flag<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof UsageError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

/** A path flag: `~/` expanded, relative to the working directory. */
export const pathFlag = flag((value: string) => {
  if (value.trim() === '') throw new UsageError('the path is empty');
  return expandPath(value, process.cwd());
});

/** A repeatable flag collecting its values. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
