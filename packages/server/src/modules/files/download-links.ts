import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DownloadLinkExpiredError, DownloadLinkInvalidError } from '../../errors.js';
import { storedSettingOrCreate } from '../../platform/db/stored-setting.js';
import type { Executor } from '../../platform/db/transaction.js';

/** What a signed download link names. */
export interface LinkTarget {
  tenantId: string;
  fileId: string;
  /** Unix time (seconds) after which the link stops working. */
  expires: number;
}

/**
 * Signs and checks the expiring download links of files kept in the local folder (S3 storage presigns
 * its own): `GET /v1/files/:id/content?tenant=…&expires=…&signature=…`, where the signature is
 * HMAC-SHA256 over the tenant, the file and the expiry. The link works without credentials until it
 * expires; changing any of the three breaks the signature.
 * @example const signature = signer.sign({ tenantId, fileId, expires: now + 3600 });
 */
export class DownloadLinkSigner {
  constructor(private readonly secret: Uint8Array) {}

  sign(target: LinkTarget): string {
    return this.mac(target).toString('base64url');
  }

  /**
   * Throws 403 `download_link_invalid` for a malformed or wrong signature, and 403
   * `download_link_expired` for a genuine link past its expiry (`now` in milliseconds).
   */
  verify(
    link: { tenantId: string; fileId: string; expires: string; signature: string },
    now = Date.now(),
  ): void {
    const invalid = () => new DownloadLinkInvalidError('This download link is not valid');
    if (!/^\d{1,12}$/.test(link.expires) || !/^[A-Za-z0-9_-]{43}$/.test(link.signature)) throw invalid();
    const expires = Number(link.expires);
    const expected = this.mac({ tenantId: link.tenantId, fileId: link.fileId, expires });
    const given = Buffer.from(link.signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    if (expires * 1000 <= now)
      throw new DownloadLinkExpiredError('This download link has expired; ask for a new one', {
        details: { expired_at: new Date(expires * 1000).toISOString() },
      });
  }

  private mac(target: LinkTarget): Buffer {
    return createHmac('sha256', this.secret)
      .update(`nexus-file-link:v1\n${target.tenantId}\n${target.fileId}\n${target.expires}`)
      .digest();
  }
}

const SETTING = 'files_link_signing_secret';

/**
 * The link signing secret when `FILES_URL_SIGNING_SECRET` is not configured: generated once and kept in
 * the database (like the JWT signing keys), so every instance and every restart accept the same links.
 */
export async function loadOrCreateLinkSecret(db: Executor): Promise<Uint8Array> {
  const value = await storedSettingOrCreate(
    db,
    SETTING,
    JSON.stringify(randomBytes(32).toString('base64url')),
  );
  const secret = (typeof value === 'string' && value.startsWith('"') ? JSON.parse(value) : value) as string;
  return new TextEncoder().encode(secret);
}
