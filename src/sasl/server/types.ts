/**
 * The server side of a SASL exchange (RFC 4422) as a pure, synchronous state machine that
 * never waits: when it needs the user's password or a verdict on a token it returns a
 * `need-*` step, the session looks it up however it likes (async, a database, a hook), and
 * feeds the answer back. `settleStep()` in ./index.js does that loop for a simple lookup.
 *
 * Driving one (RFC 5034 §4), for `AUTH NAME [initial-response]`:
 * ```ts
 * let step = mech.start(initialResponse);   // undefined: none sent; Buffer.alloc(0): "="
 * for (;;) {
 *   step = await settleStep(mech, step, lookup);
 *   if (step.kind === 'challenge') step = mech.respond(await readResponseLine());  // "+ base64"
 *   else break;                                                                     // "*" is the session's
 * }
 * // success: +OK, log in step.user (and decide whether it may act as step.authzid); failure: -ERR
 * ```
 * Client input never makes these throw: a malformed message is a `failure` step. Calling a
 * method the current step did not ask for is a server bug and throws Pop3StateError.
 */

export type SaslServerStep =
  /** Send `+ base64(challenge)` and pass the client's answer to `respond()`. */
  | { readonly kind: 'challenge'; readonly challenge: Buffer }
  /** Look up the plaintext password of `user` and pass it (or undefined) to `providePassword()`. */
  | { readonly kind: 'need-password'; readonly user: string; readonly authzid: string | undefined }
  /** Check `token` for `user` and pass the verdict to `provideTokenVerdict()`. */
  | {
      readonly kind: 'need-token-check';
      readonly user: string;
      readonly authzid: string | undefined;
      readonly token: string;
    }
  /** Authenticated as `user`; `authzid` is the identity the client asked to act as, if any:
   * allowing `authzid !== user` is the server's policy decision (RFC 4422 §3.4.1). */
  | { readonly kind: 'success'; readonly user: string; readonly authzid: string | undefined }
  /** Send -ERR. `message` is safe to log: it never contains what the client sent. */
  | { readonly kind: 'failure'; readonly reason: SaslFailureReason; readonly message: string };

/** `malformed`: the client broke the mechanism's syntax; `credentials`: wrong password or token,
 * or an unknown user (the two are not told apart, so user names cannot be probed). */
export type SaslFailureReason = 'malformed' | 'credentials';

export interface SaslServerMechanism {
  readonly name: string;
  /** Begins the exchange; `initialResponse` is what came with AUTH, if anything. */
  start(initialResponse: Buffer | undefined): SaslServerStep;
  /** The client's answer (base64-decoded) to the last `challenge` step. */
  respond(response: Buffer): SaslServerStep;
  /** The answer to a `need-password` step: the stored plaintext, or undefined for no such user. */
  providePassword(password: string | undefined): SaslServerStep;
  /** The answer to a `need-token-check` step. */
  provideTokenVerdict(valid: boolean): SaslServerStep;
}

export interface SaslServerOptions {
  readonly cramMd5?: {
    /** Right side of the RFC 2195 msg-id challenge. Default `localhost`. */
    readonly hostname?: string | undefined;
    /** The whole challenge; only for tests. */
    readonly challenge?: string | undefined;
  };
  readonly scram?: {
    /** Iteration count announced in server-first. Default 4096 (RFC 7677 §4's floor). */
    readonly iterations?: number | undefined;
    /** Salt and server nonce part; only for tests (default: random per exchange). */
    readonly salt?: Buffer | undefined;
    readonly nonce?: string | undefined;
  };
  readonly oauth?: {
    /** Put in the JSON error of a refused token (RFC 7628 §3.2.2). */
    readonly scope?: string | undefined;
    readonly openidConfiguration?: string | undefined;
  };
}
