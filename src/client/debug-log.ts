/** A pino-style logger: pop3kit calls only `debug`. */
export interface Pop3Logger {
  debug(object: Record<string, unknown>, message?: string): void;
}

export type DebugLevel = 0 | 1 | 2;

/**
 * Debug output with poplib's levels: 1 shows commands and status lines, 2 also shows every
 * listing line (LIST, UIDL, CAPA); message bodies show as octet counts, so debugging a
 * 1 GiB RETR does not print it.
 * Secrets never reach here: callers pass redacted command lines ("PASS ****").
 */
export class DebugLog {
  level: DebugLevel;
  readonly #logger: Pop3Logger | undefined;

  constructor(level: DebugLevel, logger: Pop3Logger | undefined) {
    this.level = level;
    this.#logger = logger;
  }

  command(line: string): void {
    if (this.level >= 1) this.#emit('C', line);
  }

  reply(line: Buffer): void {
    if (this.level >= 1) this.#emit('S', line.toString('utf8'));
  }

  /** A line of a LIST, UIDL or CAPA reply: short and bounded, so shown whole at level 2. */
  listingLine(line: string): void {
    if (this.level >= 2) this.#emit('S', line);
  }

  body(octets: number): void {
    if (this.level >= 2) this.#emit('S', `[${octets} octets of body]`);
  }

  note(message: string): void {
    if (this.level >= 1) this.#emit('-', message);
  }

  #emit(direction: 'C' | 'S' | '-', line: string): void {
    if (this.#logger) this.#logger.debug({ pop3: direction, line }, `pop3 ${direction}: ${line}`);
    else process.stderr.write(`pop3 ${direction}: ${line}\n`);
  }
}
