/**
 * What the SDK needs from its host, read defensively: it runs in Node 20+, browsers, Deno, Bun and edge
 * runtimes, so nothing here assumes `process`, `Buffer` or `node:*` modules exist.
 */

interface ProcessLike {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
}

/**
 * An environment variable when the host has `process.env` (Node, Bun, Deno's Node mode), else undefined.
 * An empty value counts as not set.
 * @example readEnv('NEXUS_API_KEY') // 'nx-…' in Node when set, undefined in a browser
 */
export function readEnv(name: string): string | undefined {
  const process = (globalThis as { process?: ProcessLike }).process;
  const value = process?.env?.[name];
  return value === undefined || value === '' ? undefined : value.trim();
}

/** True in Node.js (and runtimes that emulate it), where `node:fs` can be imported. */
export function isNode(): boolean {
  const process = (globalThis as { process?: ProcessLike }).process;
  return typeof process?.versions?.node === 'string';
}

/**
 * A random UUID v4: `crypto.randomUUID` where the host has it (Node, secure browser contexts), else built
 * from `crypto.getRandomValues` (also present on plain-http pages), else from Math.random (not for
 * secrets: idempotency keys only need to be unique).
 * @example randomUUID() // '3b241101-e2bb-4255-8caf-4136c566a962'
 */
export function randomUUID(): string {
  const crypto = (
    globalThis as {
      crypto?: { randomUUID?: () => string; getRandomValues?: <T extends Uint8Array>(array: T) => T };
    }
  ).crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Waits `ms` milliseconds, or rejects as soon as `signal` aborts (with its reason).
 * @example await sleep(500, controller.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
