import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary Maildir root; `remove()` deletes it. */
export class TempMaildirs {
  readonly root = mkdtempSync(join(tmpdir(), 'pop3kit-maildir-'));
  #counter = 0;

  /** Creates `user`'s Maildir (cur, new, tmp) and returns its path. */
  mailbox(user: string): string {
    const dir = join(this.root, user);
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
    return dir;
  }

  /** Delivers like an MDA: write in tmp/, then rename into new/ (or cur/ with flags). */
  deliver(
    user: string,
    content: string | Buffer,
    options: { sub?: 'new' | 'cur'; name?: string } = {},
  ): string {
    const dir = this.mailbox(user);
    const base =
      options.name ?? `${1700000000 + this.#counter}.M${this.#counter}P${process.pid}.pop3kit-test`;
    this.#counter++;
    const sub = options.sub ?? 'new';
    const name = sub === 'cur' && !base.includes(':') ? `${base}:2,S` : base;
    const tmp = join(dir, 'tmp', base);
    writeFileSync(tmp, content);
    renameSync(tmp, join(dir, sub, name));
    return name;
  }

  /** File names in cur/ and new/, sorted. */
  files(user: string): string[] {
    const dir = join(this.root, user);
    return ['cur', 'new'].flatMap((sub) => readdirSync(join(dir, sub)).map((n) => `${sub}/${n}`)).sort();
  }

  /** Contents of every message in cur/ and new/, sorted by file name. */
  contents(user: string): string[] {
    return this.files(user).map((f) => readFileSync(join(this.root, user, f), 'latin1'));
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
