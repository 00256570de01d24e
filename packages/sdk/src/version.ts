/**
 * The SDK's version (kept equal to package.json's `version`).
 * @example import { SDK_VERSION } from '@nexus/sdk';
 */
export const SDK_VERSION = '0.1.0';
