import { describe, expect, it } from 'vitest';
import {
  hashSecret,
  InvalidTokenError,
  newSecret,
  parseSigningKeys,
  TokenExpiredError,
  TokenService,
} from './token.service.js';

const keys = parseSigningKeys(`k1:${'a'.repeat(40)},k2:${'b'.repeat(40)}`);

describe('TokenService', () => {
  it('signs with the first key and verifies with any key of the set (rotation)', async () => {
    const oldService = new TokenService([keys[1]!], 60);
    const rotated = new TokenService(keys, 60);
    const oldToken = await oldService.signAccessToken({
      userId: 'usr_1',
      sessionId: 'ses_1',
      isPlatformAdmin: false,
    });
    expect(JSON.parse(Buffer.from(oldToken.split('.')[0]!, 'base64url').toString()).kid).toBe('k2');
    expect(await rotated.verifyAccessToken(oldToken)).toMatchObject({
      sub: 'usr_1',
      sid: 'ses_1',
      adm: false,
    });
    const fresh = await rotated.signAccessToken({
      userId: 'usr_2',
      sessionId: 'ses_2',
      isPlatformAdmin: true,
    });
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe('k1');
    // A service that dropped k1 no longer accepts tokens signed with it.
    await expect(oldService.verifyAccessToken(fresh)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('remembers verified tokens but still refuses them once expired', async () => {
    const service = new TokenService(keys, 1);
    const token = await service.signAccessToken({
      userId: 'usr_1',
      sessionId: 'ses_1',
      isPlatformAdmin: false,
    });
    await service.verifyAccessToken(token);
    await service.verifyAccessToken(token);
    await new Promise((r) => setTimeout(r, 2_100));
    await expect(service.verifyAccessToken(token)).rejects.toBeInstanceOf(TokenExpiredError);
  });

  it('does not let a cached token vouch for a modified one', async () => {
    const service = new TokenService(keys, 60);
    const token = await service.signAccessToken({
      userId: 'usr_1',
      sessionId: 'ses_1',
      isPlatformAdmin: false,
    });
    await service.verifyAccessToken(token);
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, adm: true })).toString('base64url')}.${s}`;
    await expect(service.verifyAccessToken(forged)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('makes distinct high-entropy secrets and hashes them deterministically', () => {
    const a = newSecret('nx-');
    const b = newSecret('nx-');
    expect(a).toMatch(/^nx-[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashSecret(a)).toBe(hashSecret(a));
    expect(hashSecret(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(a)).not.toBe(hashSecret(b));
  });
});
