/**
 * Refuses a nonsensical AccountConfig before anything is locked or connected, with a message
 * that names the field (the CLI shows it as is). TypeError/RangeError become kind 'config'.
 */
import type { AccountConfig, Destination } from './types.js';

function checkDestination(destination: Destination, field: string): void {
  if (destination.kind === 'maildir' || destination.kind === 'mbox' || destination.kind === 'archive') {
    if (typeof destination.path !== 'string' || destination.path === '') {
      throw new TypeError(`${field}: a ${destination.kind} destination needs a path`);
    }
    if (
      destination.kind === 'archive' &&
      destination.store !== 'sqlite' &&
      destination.store !== 'postgres'
    ) {
      throw new TypeError(`${field}: unknown archive store ${JSON.stringify(destination.store)}`);
    }
  } else if (destination.kind === 'mda') {
    if (typeof destination.command !== 'string' || destination.command.trim() === '') {
      throw new TypeError(`${field}: an mda destination needs a command`);
    }
  } else {
    throw new TypeError(
      `${field}: unknown destination kind ${JSON.stringify((destination as { kind: unknown }).kind)}`,
    );
  }
}

function checkCount(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${field} must be a whole number >= 0, got ${String(value)}`);
  }
}

export function validateConfig(config: AccountConfig): void {
  for (const field of ['name', 'host', 'user', 'statePath'] as const) {
    if (typeof config[field] !== 'string' || config[field] === '')
      throw new TypeError(`${field} is required`);
  }
  checkDestination(config.destination, 'destination');
  const policy = config.deletePolicy;
  if (policy.kind === 'after-days') {
    if (!(Number.isFinite(policy.days) && policy.days >= 0)) {
      throw new RangeError(`deletePolicy.days must be a number >= 0, got ${String(policy.days)}`);
    }
  } else if (policy.kind !== 'keep' && policy.kind !== 'after-delivery') {
    throw new TypeError(`unknown deletePolicy ${JSON.stringify((policy as { kind: unknown }).kind)}`);
  }
  checkCount(config.maxMessageSize?.limit, 'maxMessageSize.limit');
  checkCount(config.maxMessages, 'maxMessages');
  checkCount(config.maxBytes, 'maxBytes');
  for (const [i, rule] of (config.filters ?? []).entries()) {
    if (!(rule.pattern instanceof RegExp)) throw new TypeError(`filters[${i}].pattern must be a RegExp`);
    if (typeof rule.header !== 'string' || rule.header === '') {
      throw new TypeError(`filters[${i}].header is required`);
    }
    if (typeof rule.action === 'object') checkDestination(rule.action.deliverTo, `filters[${i}].deliverTo`);
    else if (rule.action !== 'skip' && rule.action !== 'discard') {
      throw new TypeError(`filters[${i}].action must be 'skip', 'discard' or { deliverTo }`);
    }
  }
}
