/** Byte values and defaults of the POP3 wire format (RFC 1939, RFC 2449). */

export const CR = 0x0d;
export const LF = 0x0a;
export const DOT = 0x2e;
export const PLUS = 0x2b;
export const MINUS = 0x2d;
export const NUL = 0x00;
export const SPACE = 0x20;

export const CRLF = Buffer.from('\r\n');

export const POP3_PORT = 110;
export const POP3S_PORT = 995;

/** RFC 1939 §3 allows 512 octets per reply line; poplib allows 2048 and real servers send
 * long CAPA and greeting lines, so the cap is well above both. */
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024;

/** RFC 2449 §4: a command line is at most 255 octets, CRLF included. */
export const MAX_COMMAND_LENGTH = 255;

/** CAPA replies are short; a server sending more lines than this is hostile or broken. */
export const MAX_CAPA_LINES = 1000;

/** UIDs are 1-70 characters (RFC 1939 §7); a little slack for servers that stretch it. */
export const MAX_UID_LENGTH = 512;
