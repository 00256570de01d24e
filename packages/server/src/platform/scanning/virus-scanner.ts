import type { Readable } from 'node:stream';

/** What a scan found: nothing, or the name of the signature that matched. */
export type ScanVerdict = { clean: true } | { clean: false; signature: string };

/**
 * Scans content for malware before it is stored. Adapters throw
 * `VirusScanUnavailableError` (errors.ts) (503 `virus_scan_unavailable`) when the scanner cannot give a verdict
 * (unreachable, timed out, answered with an error): uploads fail closed rather than going in unscanned.
 */
export interface VirusScanner {
  readonly kind: string;
  /** Scans the stream's bytes (adapters may stop at a configured maximum, see the adapter). */
  scan(content: Readable): Promise<ScanVerdict>;
  /** Checks that the scanner answers; rejects with VirusScanUnavailableError when it does not. */
  ping(): Promise<void>;
}
