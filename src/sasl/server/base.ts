/** Bookkeeping every server mechanism shares: which call the last step asked for. */

import { Pop3StateError } from '../../errors.js';
import type { SaslFailureReason, SaslServerMechanism, SaslServerStep } from './types.js';

type Expecting = 'start' | 'response' | 'password' | 'token' | 'done';

const EXPECTING: Record<SaslServerStep['kind'], Expecting> = {
  challenge: 'response',
  'need-password': 'password',
  'need-token-check': 'token',
  success: 'done',
  failure: 'done',
};

export abstract class ServerMechanismBase implements SaslServerMechanism {
  abstract readonly name: string;
  #expecting: Expecting = 'start';

  start(initialResponse: Buffer | undefined): SaslServerStep {
    return this.#advance('start', () => this.onStart(initialResponse));
  }

  respond(response: Buffer): SaslServerStep {
    return this.#advance('response', () => this.onResponse(response));
  }

  providePassword(password: string | undefined): SaslServerStep {
    return this.#advance('password', () => this.onPassword(password));
  }

  provideTokenVerdict(valid: boolean): SaslServerStep {
    return this.#advance('token', () => this.onTokenVerdict(valid));
  }

  protected abstract onStart(initialResponse: Buffer | undefined): SaslServerStep;
  protected abstract onResponse(response: Buffer): SaslServerStep;

  protected onPassword(_password: string | undefined): SaslServerStep {
    throw new Pop3StateError(`${this.name} never asks for a password`);
  }

  protected onTokenVerdict(_valid: boolean): SaslServerStep {
    throw new Pop3StateError(`${this.name} never asks for a token verdict`);
  }

  #advance(call: Expecting, run: () => SaslServerStep): SaslServerStep {
    if (this.#expecting !== call) {
      throw new Pop3StateError(`${this.name}: called for ${call} while expecting ${this.#expecting}`);
    }
    const step = run();
    this.#expecting = EXPECTING[step.kind];
    return step;
  }
}

export function challenge(bytes: Buffer | string): SaslServerStep {
  return { kind: 'challenge', challenge: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes };
}

export function fail(reason: SaslFailureReason, message: string): SaslServerStep {
  return { kind: 'failure', reason, message };
}

export function succeed(user: string, authzid: string | undefined): SaslServerStep {
  return { kind: 'success', user, authzid };
}
