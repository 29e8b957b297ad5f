import { readFile } from 'node:fs/promises';

/** Password schemes of Dovecot passwd-file lines that hold the clear-text password. */
const CLEAR_SCHEMES = new Set(['PLAIN', 'CLEAR', 'CLEARTEXT']);

/**
 * Parses a users file: one `user:password` a line (the password is the rest of the line,
 * colons included), `#` comments and blank lines ignored. Dovecot passwd-file lines
 * `user:{PLAIN}password:uid:gid:...` are accepted too: with a `{SCHEME}` prefix the password
 * ends at the next colon, as in Dovecot. Only clear-text schemes work, since APOP and the
 * challenge-response mechanisms need the password itself.
 * @throws Error naming the line number (never its content) for a malformed line, a
 *   duplicate user or a hashed scheme.
 */
export function parseUsersFile(text: string): Map<string, string> {
  const users = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const colon = line.indexOf(':');
    const where = `users file line ${i + 1}`;
    if (colon <= 0) throw new Error(`${where}: expected user:password`);
    const user = line.slice(0, colon);
    let password = line.slice(colon + 1);
    const scheme = /^\{([A-Za-z0-9.-]+)\}/.exec(password);
    if (scheme) {
      if (!CLEAR_SCHEMES.has(scheme[1]!.toUpperCase())) {
        throw new Error(`${where}: password scheme {${scheme[1]}} is not supported, use {PLAIN}`);
      }
      const rest = password.slice(scheme[0].length);
      const end = rest.indexOf(':');
      password = end === -1 ? rest : rest.slice(0, end);
    }
    if (users.has(user)) throw new Error(`${where}: user ${JSON.stringify(user)} appears twice`);
    users.set(user, password);
  }
  return users;
}

/** Reads and parses a users file (see `parseUsersFile`). */
export async function loadUsersFile(path: string): Promise<Map<string, string>> {
  return parseUsersFile(await readFile(path, 'utf8'));
}
