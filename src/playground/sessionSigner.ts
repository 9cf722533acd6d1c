/**
 * The per-connection signer: what Neon's proxy does when it re-signs verified claims for
 * `auth.jwt_session_init()`. Each backend connection gets its own random key, registered with
 * the emulated pg_session_jwt, and every token carries a strictly increasing integer `jti`.
 */
import { createHmac, randomBytes } from 'node:crypto';

const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 1 })).toString('base64url');

export class BackendSessionSigner {
  readonly key = randomBytes(32);
  private jti = 0;

  /** The key XOR HMAC's ipad and opad (RFC 2104), as the emulated extension stores it. */
  get pads(): { inner: Buffer; outer: Buffer } {
    const block = Buffer.alloc(64);
    this.key.copy(block);
    return { inner: block.map((b) => b ^ 0x36) as Buffer, outer: block.map((b) => b ^ 0x5c) as Buffer };
  }

  sign(claims: Record<string, unknown>): string {
    this.jti += 1;
    const payload = Buffer.from(JSON.stringify({ ...claims, jti: this.jti })).toString('base64url');
    const body = `${header}.${payload}`;
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }
}
