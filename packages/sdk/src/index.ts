/**
 * @nexus/sdk — the TypeScript client for Nexus. Zero runtime dependencies; filled in by the task API issue.
 * @example import { SDK_VERSION } from '@nexus/sdk';
 */
export const SDK_VERSION = '0.1.0';
