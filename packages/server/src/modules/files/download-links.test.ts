import { describe, expect, it } from 'vitest';
import { DownloadLinkSigner } from './download-links.js';

const signer = new DownloadLinkSigner(new TextEncoder().encode('a-secret-of-at-least-thirty-two-chars!'));
const target = { tenantId: 'ten_a', fileId: 'file_b', expires: 2_000_000_000 };
const link = { tenantId: 'ten_a', fileId: 'file_b', expires: '2000000000', signature: signer.sign(target) };
const now = 1_900_000_000_000;

describe('DownloadLinkSigner', () => {
  it('accepts its own link before expiry', () => {
    expect(() => signer.verify(link, now)).not.toThrow();
  });

  it('says expired for a genuine link past its expiry', () => {
    expect(() => signer.verify(link, 2_000_000_000_000)).toThrowError(
      expect.objectContaining({ code: 'download_link_expired', status: 403 }),
    );
  });

  const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  it.each([
    ['another file', { ...link, fileId: 'file_c' }],
    ['another tenant', { ...link, tenantId: 'ten_z' }],
    ['a later expiry', { ...link, expires: '2000000001' }],
    ['a changed signature', { ...link, signature: flip(link.signature) }],
    ['a short signature', { ...link, signature: link.signature.slice(1) }],
    ['a signature with bad characters', { ...link, signature: `${link.signature.slice(1)}=` }],
    ['an empty signature', { ...link, signature: '' }],
    ['a non-numeric expiry', { ...link, expires: '2e9' }],
    ['a negative expiry', { ...link, expires: '-1' }],
    ['another secret', { ...link, signature: new DownloadLinkSigner(new Uint8Array(32)).sign(target) }],
  ])('refuses %s as download_link_invalid', (_case, tampered) => {
    expect(() => signer.verify(tampered, now)).toThrowError(
      expect.objectContaining({ code: 'download_link_invalid', status: 403 }),
    );
  });
});
