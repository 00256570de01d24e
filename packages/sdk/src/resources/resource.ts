import type { Transport } from '../core/transport.js';

/** What every resource holds: the client's transport. */
export abstract class APIResource {
  constructor(protected readonly transport: Transport) {}
}

/** A path segment from an id, escaped (ids are validated by the server; this only keeps the URL intact). */
export const seg = (id: string): string => encodeURIComponent(id);
