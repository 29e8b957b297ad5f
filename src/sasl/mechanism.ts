/**
 * The client side of a SASL exchange (RFC 4422) as a pure state machine: bytes in, bytes out.
 * The POP3 client does the AUTH line, base64, the RFC 2449 255-octet rule and the `*` cancel
 * (RFC 5034 §4); a mechanism only knows its own messages.
 *
 * Driving one (RFC 5034 §4):
 * ```ts
 * const mech = createClientMechanism('SCRAM-SHA-256', { user, pass });
 * const ir = mech.initialResponse();          // undefined: the mechanism has none
 * // send "AUTH SCRAM-SHA-256 <base64(ir)>" ("=" for an empty ir), or plain "AUTH SCRAM-SHA-256"
 * // when the line would pass 255 octets; then the server's empty "+ " gets ir from step().
 * // for each "+ <base64>" continuation:  send base64(mech.step(decoded))
 * // on "+OK":                             mech.finish()   (throws if the server proved nothing)
 * ```
 * Every method that consumes server data throws `Pop3ProtocolError` when the data is malformed,
 * hostile or more than the mechanism can expect (an endless run of continuations); the caller
 * then cancels with `*` and tears the connection down.
 */

/** What a client authenticates with. `accessToken` is already resolved to a string here. */
export interface SaslCredentials {
  /** The authentication identity (authcid): the login name. */
  readonly user: string;
  readonly pass?: string | undefined;
  /** An OAuth 2.0 bearer token for XOAUTH2 and OAUTHBEARER. */
  readonly accessToken?: string | undefined;
  /** The authorization identity: act as this user (RFC 4422 §3.4.1). Usually absent. */
  readonly authzid?: string | undefined;
}

export interface ScramClientOptions {
  /** The client nonce (RFC 5802 §5.1 `r=`). Only for tests: the default is 18 random bytes. */
  readonly nonce?: string | undefined;
  /** Refuse a smaller iteration count. Default 4096, the floor of RFC 5802 §5.1 and RFC 7677 §4. */
  readonly minIterations?: number | undefined;
  /** Refuse a larger one: PBKDF2 runs synchronously, so a huge count is a denial of service.
   * Default 1,000,000. */
  readonly maxIterations?: number | undefined;
}

export interface SaslClientOptions {
  readonly scram?: ScramClientOptions | undefined;
  /** The server the token is meant for (RFC 7628 §3.1 `host=` and `port=`); both optional. */
  readonly oauthbearer?:
    | { readonly host?: string | undefined; readonly port?: number | undefined }
    | undefined;
}

export interface SaslClientMechanism {
  /** The IANA mechanism name, upper-case (`PLAIN`, `SCRAM-SHA-256`, ...). */
  readonly name: string;
  /**
   * The client's first message (RFC 4422 §3.3): `undefined` when the mechanism has none
   * (LOGIN, CRAM-MD5), `Buffer.alloc(0)` when it is empty. Calling it twice gives the same
   * bytes. A client that does not send it with AUTH gets it from `step()` on the server's
   * empty `+ ` challenge instead (RFC 4422 §5 item 2a).
   */
  initialResponse(): Buffer | undefined;
  /**
   * The response to one server challenge (already base64-decoded).
   * @throws Pop3ProtocolError on a malformed challenge, a wrong server proof, or a challenge
   *   the mechanism cannot expect at this point.
   * @throws Pop3AuthError when the server reported the failure inside the mechanism (SCRAM `e=`).
   */
  step(challenge: Buffer): Buffer;
  /**
   * The server said +OK. Verifies anything still pending, given the success data if the
   * protocol carried any (POP3 does not: RFC 5034 servers send it as a `+ ` continuation).
   * @throws Pop3ProtocolError when the server accepted without the proof the mechanism
   *   requires (SCRAM: a verified `v=` server signature, RFC 5802 §5).
   */
  finish(successData?: Buffer): void;
}
