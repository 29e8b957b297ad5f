import { CAPA, NOOP, QUIT, STLS, UTF8 } from './connection.js';
import { APOP, PASS, USER } from './login.js';
import { DELE, LIST, RSET, STAT, UIDL } from './maildrop.js';
import { RETR, TOP } from './retrieve.js';
import { AUTH } from './sasl.js';
import type { CommandSpec } from './types.js';

/** Every verb the server knows (RFC 1939, RFC 2449, RFC 2595, RFC 5034, RFC 6856). */
export const HANDLERS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  ['USER', USER],
  ['PASS', PASS],
  ['APOP', APOP],
  ['AUTH', AUTH],
  ['CAPA', CAPA],
  ['STLS', STLS],
  ['UTF8', UTF8],
  ['STAT', STAT],
  ['LIST', LIST],
  ['UIDL', UIDL],
  ['RETR', RETR],
  ['TOP', TOP],
  ['DELE', DELE],
  ['RSET', RSET],
  ['NOOP', NOOP],
  ['QUIT', QUIT],
]);
