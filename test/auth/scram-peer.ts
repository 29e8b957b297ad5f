// The server side of SCRAM (RFC 5802 §3, §5) written out independently of src/sasl, so the
// client's proof is checked against the RFC arithmetic, and the server can lie on purpose.
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import type { PeerConnection } from './sasl-peer.js';

export interface ScramPeerOptions {
  readonly mechanism: 'SCRAM-SHA-1' | 'SCRAM-SHA-256';
  readonly user: string;
  readonly pass: string;
  /** 'wrong-signature': server-final carries a corrupted v=; 'skip-final': +OK at once, no v=;
   * 'server-error': server-final is e=invalid-proof. */
  readonly lie?: 'wrong-signature' | 'skip-final' | 'server-error';
  /** The -ERR line answering the client's "*". */
  readonly refusal?: string;
}

const SALT = Buffer.from('pop3kit-test-salt');
const ITERATIONS = 4096;

/**
 * Plays one AUTH SCRAM exchange, from the AUTH line to +OK or -ERR. Throws (failing the
 * peer) when the client's messages are not the RFC's, including a wrong client proof.
 */
export async function serveScram(conn: PeerConnection, options: ScramPeerOptions): Promise<void> {
  const hash = options.mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256';
  const authLine = await conn.read();
  const prefix = `AUTH ${options.mechanism} `;
  if (!authLine.startsWith(prefix)) throw new Error(`expected ${prefix}..., got ${authLine}`);
  const clientFirst = Buffer.from(authLine.slice(prefix.length), 'base64').toString('utf8');
  const first = /^n,,(n=([^,]*),r=([\x21-\x2b\x2d-\x7e]+))$/.exec(clientFirst);
  if (!first) throw new Error(`malformed client-first-message ${clientFirst}`);
  const [, bare, user, clientNonce] = first as unknown as [string, string, string, string];
  if (user !== options.user) throw new Error(`client-first names ${user}`);

  const nonce = `${clientNonce}%hJ9kQ2sPtv`;
  const serverFirst = `r=${nonce},s=${SALT.toString('base64')},i=${ITERATIONS}`;
  conn.send(`+ ${Buffer.from(serverFirst).toString('base64')}`);

  const clientFinal = Buffer.from(await conn.read(), 'base64').toString('utf8');
  const final = /^(c=biws,r=([^,]+)),p=([A-Za-z0-9+/=]+)$/.exec(clientFinal);
  if (!final) throw new Error(`malformed client-final-message ${clientFinal}`);
  const [, withoutProof, finalNonce, proof] = final as unknown as [string, string, string, string];
  if (finalNonce !== nonce) throw new Error('client-final does not echo the combined nonce');

  const salted = pbkdf2Sync(options.pass, SALT, ITERATIONS, hash === 'sha1' ? 20 : 32, hash);
  const hmac = (key: Buffer, data: string) => createHmac(hash, key).update(data).digest();
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash(hash).update(clientKey).digest();
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const expectedProof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] as number)));
  if (expectedProof.toString('base64') !== proof) throw new Error('wrong client proof');

  if (options.lie === 'skip-final') {
    conn.send('+OK logged in');
    return;
  }
  if (options.lie === 'server-error') {
    conn.send(`+ ${Buffer.from('e=invalid-proof').toString('base64')}`);
    await conn.expect('*');
    conn.send(options.refusal ?? '-ERR [AUTH] Authentication failed');
    return;
  }
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
  if (options.lie === 'wrong-signature') serverSignature[0] = (serverSignature[0] as number) ^ 0xff;
  conn.send(`+ ${Buffer.from(`v=${serverSignature.toString('base64')}`).toString('base64')}`);
  if (options.lie === 'wrong-signature') {
    await conn.expect('*');
    conn.send(options.refusal ?? '-ERR [AUTH] Authentication cancelled');
    return;
  }
  // RFC 5034 §4: server-final travels as a continuation, acknowledged with an empty line.
  await conn.expect('');
  conn.send('+OK logged in');
}
