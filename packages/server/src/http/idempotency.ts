import { createHash, type Hash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Principal } from '../modules/access/principal.js';
import {
  type FingerprintBody,
  type IdempotencyClaim,
  type IdempotencyOutcome,
  type IdempotencyScope,
  type IdempotencyService,
  parseIdempotencyKey,
  requestFingerprint,
  type StoredResponse,
} from '../modules/idempotency/idempotency.service.js';
import type { Authenticator } from './auth.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * Response headers kept with a stored response and sent again on replays. Per-request headers
 * (`x-request-id`, `content-length`, `connection`, dates) are not.
 */
const KEPT_HEADERS = new Set([
  'content-type',
  'content-disposition',
  'content-language',
  'location',
  'etag',
  'last-modified',
  'cache-control',
  'link',
  'x-content-type-options',
  'content-security-policy',
]);

export interface IdempotencyPluginOptions {
  idempotency: IdempotencyService;
  authn: Authenticator;
}

/** A POST with an `Idempotency-Key`, from the moment its header was read until its answer is settled. */
interface KeyedRequest {
  key: string;
  body: FingerprintBody;
  /** Hashes a JSON body while Fastify reads it (the raw bytes, as sent). */
  hash?: Hash;
  claim?: IdempotencyClaim;
  settled: boolean;
  renewer?: NodeJS.Timeout;
}

const keyed = new WeakMap<FastifyRequest, KeyedRequest>();

/**
 * `Idempotency-Key` on every POST route (docs/tasks.md#idempotency), as hooks around the handlers:
 *
 * - `preParsing` checks the key (400 `invalid_idempotency_key`) and hashes a JSON body as it is read;
 * - `preHandler` resolves the caller (the same verification the handler then reuses) and asks the
 *   {@link IdempotencyService} to claim the key — or answers the stored response at once, with
 *   `Idempotent-Replayed: true` (or the service's 422/409);
 * - `onSend` settles the claim with the answer before it is sent (stored, or released on 5xx/429), so a
 *   repeat that follows the answer finds it. A reply that is hijacked or written to `reply.raw` (SSE)
 *   never reaches `onSend`: it is settled when the response ends (or on the next lease renewal) as
 *   not replayable.
 *
 * Requests without credentials are not covered: the key is checked, then ignored (their answers —
 * login, refresh — carry fresh credentials that must not be kept).
 */
export const idempotencyPlugin = fp<IdempotencyPluginOptions>(
  async (app, { idempotency, authn }) => {
    app.addHook('preParsing', async (request, reply, payload) => {
      if (request.method !== 'POST') return payload;
      const header = request.headers[IDEMPOTENCY_KEY_HEADER];
      if (header === undefined) return payload;
      let key: string;
      try {
        key = parseIdempotencyKey(header);
      } catch (error) {
        closeIfUnread(request, reply);
        throw error;
      }
      const mediaType = mediaTypeOf(request.headers['content-type']);
      if (mediaType !== 'application/json') {
        keyed.set(request, {
          key,
          body: mediaType === null ? { kind: 'none' } : { kind: 'stream', mediaType },
          settled: false,
        });
        return payload;
      }
      const hash = createHash('sha256');
      keyed.set(request, { key, body: { kind: 'none' }, hash, settled: false });
      return hashing(payload, hash);
    });

    app.addHook('preHandler', async (request, reply) => {
      const state = keyed.get(request);
      if (!state || request.is404) return;
      let principal: Principal | null;
      let tenantId: string | undefined;
      try {
        ({ principal, tenantId } = await authn.optional(request));
      } catch {
        // Bad credentials: the route answers that itself (the verification is cached, so it sees the same error).
        return;
      }
      if (!principal) return;
      const scope: IdempotencyScope =
        principal.kind === 'api_key'
          ? { tenantId: principal.tenantId, caller: principal.keyId }
          : { tenantId: tenantId ?? '', caller: principal.userId };
      const body: FingerprintBody = state.hash
        ? { kind: 'json', sha256: state.hash.digest('hex') }
        : state.body;
      const path = request.url;
      try {
        const begun = await idempotency.begin(scope, state.key, {
          method: request.method,
          path,
          fingerprint: requestFingerprint(request.method, path, body),
        });
        if (begun.kind === 'replay') {
          closeIfUnread(request, reply);
          return replay(reply, begun.response);
        }
        state.claim = begun.claim;
        watch(request, reply, state, idempotency);
      } catch (error) {
        closeIfUnread(request, reply);
        throw error;
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const state = keyed.get(request);
      if (!state?.claim || state.settled) return payload;
      const body =
        payload === null || payload === undefined
          ? Buffer.alloc(0)
          : typeof payload === 'string'
            ? Buffer.from(payload)
            : payload instanceof Uint8Array
              ? payload
              : null; // a stream: sent as it is read, never held
      await settle(request, state, idempotency, {
        status: reply.statusCode,
        headers: keptHeaders(reply.getHeaders()),
        body,
      });
      return payload;
    });
  },
  { name: 'nexus-idempotency' },
);

/** Renews the claim while the handler runs, and settles replies that bypass `onSend` (hijacked ones). */
function watch(
  request: FastifyRequest,
  reply: FastifyReply,
  state: KeyedRequest,
  idempotency: IdempotencyService,
): void {
  const claim = state.claim!;
  // `reply.sent` before `onSend` ran: the reply was hijacked (or `reply.raw` ended by hand).
  const settleBypassed = () => {
    if (state.settled || !reply.sent) return;
    void settle(request, state, idempotency, {
      status: reply.raw.statusCode,
      headers: keptHeaders(reply.raw.getHeaders()),
      body: null,
    });
  };
  reply.raw.once('finish', settleBypassed);
  reply.raw.once('close', settleBypassed);
  state.renewer = setInterval(() => {
    if (state.settled) return;
    if (reply.sent) return settleBypassed();
    idempotency.extend(claim).then(
      (held) => {
        if (!held) clearInterval(state.renewer);
      },
      (error: unknown) => request.log.warn({ err: error }, 'could not renew an idempotency key lease'),
    );
  }, idempotency.renewEveryMs);
  state.renewer.unref();
}

async function settle(
  request: FastifyRequest,
  state: KeyedRequest,
  idempotency: IdempotencyService,
  outcome: IdempotencyOutcome,
): Promise<void> {
  if (state.settled || !state.claim) return;
  state.settled = true;
  clearInterval(state.renewer);
  try {
    const settlement = await idempotency.settle(state.claim, outcome);
    request.log.debug({ idempotencyKey: state.key, settlement }, 'idempotency key settled');
  } catch (error) {
    // The answer still goes out; the key stays claimed until its lease runs out, then a retry runs.
    request.log.error({ err: error }, 'could not store the answer of an idempotent request');
  }
}

function replay(reply: FastifyReply, response: StoredResponse): FastifyReply {
  reply.code(response.status);
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  reply.header(REPLAYED_HEADER, 'true');
  return reply.send(response.body.length > 0 ? response.body : undefined);
}

/** Passes the body on to Fastify's parser unchanged, hashing it on the way. */
function hashing(payload: Readable, hash: Hash): Readable {
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  payload.once('error', (error) => tee.destroy(error));
  payload.pipe(tee);
  return tee;
}

/** An answer sent before the body was read (a multipart upload): close the connection rather than drain it. */
function closeIfUnread(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.raw.complete) reply.header('connection', 'close');
}

function mediaTypeOf(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === '' ? null : mediaType;
}

function keptHeaders(headers: Record<string, unknown>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || !(KEPT_HEADERS.has(lower) || lower.startsWith('x-nexus-'))) continue;
    kept[lower] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return kept;
}

const PARAMETER_REF = '#/components/parameters/IdempotencyKey';
const HEADER_REF = '#/components/headers/IdempotentReplayed';

/**
 * Documents `Idempotency-Key` on every POST operation of the generated OpenAPI document (one shared
 * parameter, `components.parameters.IdempotencyKey`) and `Idempotent-Replayed` on their responses, so
 * generated clients can send the one and read the other. A `transformObject` step after the zod one.
 * @example transformObject: (input) => documentIdempotencyKey(jsonSchemaTransformObject(input))
 */
export function documentIdempotencyKey<T>(document: T): T {
  const doc = document as {
    paths?: Record<string, Record<string, unknown>>;
    components?: Record<string, Record<string, unknown> | undefined>;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const post = item.post as
      | { parameters?: unknown[]; responses?: Record<string, Record<string, unknown>> }
      | undefined;
    if (!post) {
      paths[path] = item;
      continue;
    }
    const responses: Record<string, Record<string, unknown>> = {};
    for (const [status, response] of Object.entries(post.responses ?? {})) {
      responses[status] =
        '$ref' in response
          ? response
          : {
              ...response,
              headers: {
                ...(response.headers as Record<string, unknown> | undefined),
                'Idempotent-Replayed': { $ref: HEADER_REF },
              },
            };
    }
    paths[path] = {
      ...item,
      post: { ...post, parameters: [...(post.parameters ?? []), { $ref: PARAMETER_REF }], responses },
    };
  }
  return {
    ...doc,
    paths,
    components: {
      ...doc.components,
      parameters: {
        ...doc.components?.parameters,
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.',
          schema: {
            type: 'string',
            minLength: 1,
            maxLength: 255,
            pattern: '^[\\x21-\\x7e](?:[\\x20-\\x7e]{0,253}[\\x21-\\x7e])?$',
          },
          example: '5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44',
        },
      },
      headers: {
        ...doc.components?.headers,
        IdempotentReplayed: {
          description:
            '`true` when this is the stored answer of an earlier request with the same Idempotency-Key',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    },
  } as T;
}
