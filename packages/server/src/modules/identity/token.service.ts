import { createHash, randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../errors.js';

/** One HMAC key with its id; the first key of the set signs, every key verifies (rotation). */
export interface SigningKey {
  kid: string;
  secret: Uint8Array;
}

export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Session id: revoking the session revokes every access token issued for it. */
  sid: string;
  jti: string;
  /** Platform admin. */
  adm: boolean;
  exp: number;
}

const ISSUER = 'nexus';
const AUDIENCE = 'nexus-api';
// Pinned: a token whose header says `none`, RS256 (algorithm confusion) or anything else is refused.
const ALGORITHMS = ['HS256'];

export class InvalidTokenError extends UnauthorizedError {
  override readonly code = 'invalid_token';
}

export class TokenExpiredError extends UnauthorizedError {
  override readonly code = 'token_expired';
}

/** Signs and verifies short-lived access JWTs (jose, HS256 with `kid`); makes and hashes opaque secrets. */
/** How many verified tokens to remember (each entry is the token string and its claims, ~1 KB). */
const VERIFIED_CACHE_SIZE = 10_000;

export class TokenService {
  private readonly byKid: Map<string, Uint8Array>;
  /**
   * Tokens whose signature and claims already verified, until they expire: the same bytes always verify
   * the same way, so repeat requests skip the HMAC (WebCrypto in jose is asynchronous and costs ~0.1 ms).
   * Revocation is checked separately on every request and is not affected.
   */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly keys: SigningKey[],
    private readonly accessTtlSeconds: number,
  ) {
    if (keys.length === 0) throw new Error('at least one signing key is required');
    this.byKid = new Map(keys.map((k) => [k.kid, k.secret]));
  }

  get accessTokenTtlSeconds(): number {
    return this.accessTtlSeconds;
  }

  async signAccessToken(claims: {
    userId: string;
    sessionId: string;
    isPlatformAdmin: boolean;
  }): Promise<string> {
    const key = this.keys[0]!;
    return new SignJWT({ sid: claims.sessionId, adm: claims.isPlatformAdmin })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .setSubject(claims.userId)
      .setJti(randomBytes(12).toString('base64url'))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.accessTtlSeconds}s`)
      .sign(key.secret);
  }

  /** Verifies signature, algorithm, issuer, audience and expiry; throws `invalid_token` or `token_expired`. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > Date.now()) return known;
      this.verified.delete(token);
      throw new TokenExpiredError('The access token has expired; refresh it');
    }
    const claims = await this.verifySignature(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignature(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const secret = header.kid ? this.byKid.get(header.kid) : undefined;
          if (!secret) throw new InvalidTokenError('The token was signed with an unknown key');
          return secret;
        },
        {
          algorithms: ALGORITHMS,
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ['sub', 'sid', 'jti', 'exp'],
        },
      );
      if (
        typeof payload.sid !== 'string' ||
        typeof payload.sub !== 'string' ||
        typeof payload.jti !== 'string'
      ) {
        throw new InvalidTokenError('The token is missing claims');
      }
      return {
        sub: payload.sub,
        sid: payload.sid,
        jti: payload.jti,
        adm: payload.adm === true,
        exp: payload.exp!,
      };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof joseErrors.JWTExpired)
        throw new TokenExpiredError('The access token has expired; refresh it');
      throw new InvalidTokenError('The access token is invalid', { cause: error });
    }
  }
}

/** A high-entropy opaque secret (refresh tokens, reset tokens, invites, API keys). */
export function newSecret(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/** Secrets are stored only as SHA-256: they carry 256 bits of entropy, so a slow hash adds nothing. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Parses `JWT_SIGNING_KEYS` (`kid:secret,kid:secret`). */
export function parseSigningKeys(value: string): SigningKey[] {
  return value.split(',').map((pair) => {
    const [kid, ...rest] = pair.trim().split(':');
    return { kid: kid!, secret: new TextEncoder().encode(rest.join(':')) };
  });
}
