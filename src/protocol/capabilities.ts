import { Pop3ProtocolError } from '../errors.js';
import { MAX_CAPA_LINES } from './constants.js';

/** CAPA as poplib returns it: capability name (upper-case) -> its arguments. */
export type CapabilityMap = Record<string, string[]>;

/**
 * Folds CAPA reply lines (RFC 2449 §5) into a map. Names are case-insensitive, so they are
 * upper-cased; arguments keep their case ("SASL PLAIN SCRAM-SHA-256", "IMPLEMENTATION x y").
 */
export function parseCapabilities(lines: readonly string[]): CapabilityMap {
  if (lines.length > MAX_CAPA_LINES)
    throw new Pop3ProtocolError(`CAPA reply longer than ${MAX_CAPA_LINES} lines`);
  const map: CapabilityMap = Object.create(null);
  for (const line of lines) {
    const [name, ...args] = line.trim().split(/[ \t]+/);
    if (name === undefined || name === '') continue;
    map[name.toUpperCase()] = args;
  }
  return map;
}

/** A typed view of the capabilities pop3kit acts on. */
export interface Capabilities {
  readonly pipelining: boolean;
  readonly stls: boolean;
  readonly user: boolean;
  readonly top: boolean;
  readonly uidl: boolean;
  readonly utf8: boolean;
  readonly respCodes: boolean;
  readonly authRespCode: boolean;
  /** SASL mechanism names, upper-case. */
  readonly sasl: readonly string[];
  /** RFC 2449 §6.7: days messages may stay, 'never', or undefined when not announced. */
  readonly expire: number | 'never' | undefined;
  /** RFC 2449 §6.8: minimum seconds between logins. */
  readonly loginDelay: number | undefined;
  readonly implementation: string | undefined;
}

function firstNumber(args: string[] | undefined): number | undefined {
  const value = args?.[0];
  return value !== undefined && /^[0-9]{1,9}$/.test(value) ? Number(value) : undefined;
}

export function describeCapabilities(map: CapabilityMap): Capabilities {
  const expire = map.EXPIRE?.[0];
  return {
    pipelining: 'PIPELINING' in map,
    stls: 'STLS' in map,
    user: 'USER' in map,
    top: 'TOP' in map,
    uidl: 'UIDL' in map,
    utf8: 'UTF8' in map,
    respCodes: 'RESP-CODES' in map,
    authRespCode: 'AUTH-RESP-CODE' in map,
    sasl: (map.SASL ?? []).map((m) => m.toUpperCase()),
    expire: expire?.toUpperCase() === 'NEVER' ? 'never' : firstNumber(map.EXPIRE),
    loginDelay: firstNumber(map['LOGIN-DELAY']),
    implementation: map.IMPLEMENTATION?.join(' '),
  };
}
