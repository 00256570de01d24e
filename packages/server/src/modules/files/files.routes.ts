import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import fastifyMultipart, { type Multipart, type MultipartFile } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BadRequestError, isAppError, UnsupportedMediaTypeError, ValidationError } from '../../errors.js';
import type { Authenticator } from '../../http/auth.js';
import { parseRangeHeader } from '../../http/byte-range.js';
import { authErrorResponses, errorResponseSchema } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import {
  contentQuery,
  downloadLinkSchema,
  downloadUrlBody,
  fileBatchSchema,
  fileBatchView,
  filePage,
  fileParams,
  fileSchema,
  fileSettingsBody,
  fileSettingsSchema,
  fileSettingsView,
  fileView,
  listFilesQuery,
} from './files.schemas.js';
import type { Download, FilesService } from './files.service.js';

export interface FilesRoutesOptions {
  files: FilesService;
  authn: Authenticator;
  /** `PUBLIC_URL`: the origin signed download links use; unset, the request's own origin. */
  publicUrl?: string | undefined;
}

const UPLOAD_FIELDS = new Set(['purpose', 'file']);

/**
 * `/v1/files`: multipart upload, list, metadata, content download (with byte ranges, by credentials or
 * by a signed link), expiring download links, delete; and `/v1/tenants/:id/file-settings` (the tenant's
 * upload size limit). Reads need `files:read`, upload and delete `files:write`. See docs/files.md.
 */
export const filesRoutes: FastifyPluginAsyncZod<FilesRoutesOptions> = async (
  app,
  { files, authn, publicUrl },
) => {
  const tags = ['files'];
  // Multipart is parsed only here (this plugin's scope); every other route keeps refusing it.
  await app.register(fastifyMultipart, { throwFileSizeLimit: false });

  app.post(
    '/v1/files',
    {
      schema: {
        tags,
        summary: 'Upload a file (files:write)',
        description:
          'multipart/form-data with the field `purpose` (document, audio, image, video) followed by the field `file`. ' +
          'The type is detected from the content and must agree with the file name’s extension; see docs/files.md.',
        consumes: ['multipart/form-data'],
        response: {
          201: fileSchema,
          ...authErrorResponses,
          413: errorResponseSchema,
          415: errorResponseSchema,
          422: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      try {
        const ctx = await authn.required(request);
        if (!request.isMultipart())
          throw new UnsupportedMediaTypeError(
            'Send the file as multipart/form-data: the field purpose, then the field file',
          );
        const { maxBytes } = await files.uploadTarget(ctx);
        const parts = request.parts({
          // One byte over the limit lets the service see the overflow and answer file_too_large itself.
          limits: { fileSize: maxBytes + 1, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
          defParamCharset: 'utf8',
        } as Parameters<FastifyRequest['parts']>[0]);
        let purpose: string | undefined;
        while (true) {
          const next = await nextPart(parts);
          if (next.done) break;
          const part = next.value;
          if (!UPLOAD_FIELDS.has(part.fieldname))
            throw new ValidationError(`Unknown field ${JSON.stringify(part.fieldname)}`, {
              details: [
                {
                  location: 'body',
                  path: part.fieldname,
                  message: 'unknown parameter',
                  issue: 'unrecognized_keys',
                },
              ],
            });
          if (part.type === 'field') {
            if (part.fieldname !== 'purpose') throw fieldError('file', 'must be a file, not a text field');
            purpose = String(part.value);
            continue;
          }
          if (part.fieldname !== 'file') throw fieldError('purpose', 'must be a text field');
          const file = await files.upload(ctx, { purpose, filename: part.filename, content: part.file });
          return reply.status(201).send(fileView(file));
        }
        throw fieldError('file', 'no file was sent (the field file, after purpose)');
      } catch (error) {
        // The rest of the body is not read: close the connection after answering rather than drain it.
        if (!request.raw.complete) reply.header('connection', 'close');
        throw error;
      }
    },
  );

  app.post(
    '/v1/files/batch',
    {
      schema: {
        tags,
        summary: 'Upload several files in one request (files:write)',
        description:
          'multipart/form-data with the field `purpose`, then one or more fields `file` (at most FILES_BATCH_MAX_FILES, default 20; more answers 400 `batch_too_large` and stores nothing). ' +
          'Each file gets exactly the checks of `POST /v1/files` and its own result in `data`, in the order sent: a refused file does not fail the others. See docs/files.md.',
        consumes: ['multipart/form-data'],
        response: {
          200: fileBatchSchema,
          ...authErrorResponses,
          413: errorResponseSchema,
          415: errorResponseSchema,
        },
      },
    },
    async (request, reply) => {
      try {
        const ctx = await authn.required(request);
        if (!request.isMultipart())
          throw new UnsupportedMediaTypeError(
            'Send the files as multipart/form-data: the field purpose, then one or more fields file',
          );
        const { maxBytes } = await files.uploadTarget(ctx);
        const limit = files.batchMaxFiles;
        const parts = request.parts({
          // One file more than allowed is parsed, so the service sees it and answers batch_too_large.
          limits: { fileSize: maxBytes + 1, files: limit + 1, fields: 4, fieldSize: 1024, parts: limit + 6 },
          defParamCharset: 'utf8',
        } as Parameters<FastifyRequest['parts']>[0]);
        let purpose: string | undefined;
        let first: MultipartFile | undefined;
        const head = await nextPart(parts);
        if (!head.done) {
          const part = checkUploadField(head.value);
          if (part.type === 'field') {
            if (part.fieldname !== 'purpose') throw fieldError('file', 'must be a file, not a text field');
            purpose = String(part.value);
          } else {
            if (part.fieldname !== 'file') throw fieldError('purpose', 'must be a text field');
            first = part; // no purpose first: the service says so
          }
        }
        const items = await files.uploadBatch(ctx, { purpose, files: batchFiles(parts, first) });
        return reply.status(200).send(fileBatchView(items));
      } catch (error) {
        // The rest of the body is not read: close the connection after answering rather than drain it.
        if (!request.raw.complete) reply.header('connection', 'close');
        throw error;
      }
    },
  );

  app.get(
    '/v1/files',
    {
      schema: {
        tags,
        summary: "The tenant's files, newest first (files:read)",
        querystring: listFilesQuery,
        response: { 200: filePage, ...authErrorResponses },
      },
    },
    async (request) => {
      const { data, nextCursor } = await files.list(await authn.required(request), request.query);
      return { data: data.map(fileView), next_cursor: nextCursor };
    },
  );

  app.get(
    '/v1/files/:id',
    {
      schema: {
        tags,
        summary: 'One file (files:read)',
        params: fileParams,
        response: { 200: fileSchema, ...authErrorResponses },
      },
    },
    async (request) => fileView(await files.retrieve(await authn.required(request), request.params.id)),
  );

  const contentRoute = (method: 'GET' | 'HEAD') => ({
    method,
    url: '/v1/files/:id/content',
    schema: {
      tags,
      summary:
        method === 'GET'
          ? 'Download the content (files:read, or a signed link from POST …/download-url)'
          : 'The download headers without the content',
      description:
        'Supports a single `Range: bytes=…` (206). With `tenant`, `expires` and `signature` (a signed link) no credentials are needed.',
      params: fileParams,
      querystring: contentQuery,
      response: {
        200: z.any().meta({ description: 'The file content', format: 'binary' }),
        206: z.any().meta({ description: 'The requested range', format: 'binary' }),
        ...authErrorResponses,
        416: errorResponseSchema,
      },
    },
  });
  const content = async (
    request: FastifyRequest<{ Params: { id: string }; Querystring: z.infer<typeof contentQuery> }>,
    reply: FastifyReply,
  ) => {
    const q = request.query;
    const options = {
      range: parseRangeHeader(request.headers.range) ?? undefined,
      // HEAD answers the headers without touching storage.
      body: request.method !== 'HEAD',
    };
    const signed = q.signature !== undefined || q.expires !== undefined || q.tenant !== undefined;
    const download = signed
      ? await files.downloadWithLink(
          {
            tenantId: q.tenant ?? '',
            fileId: request.params.id,
            expires: q.expires ?? '',
            signature: q.signature ?? '',
          },
          options,
        )
      : await files.download(await authn.required(request), request.params.id, options);
    return sendDownload(reply, download);
  };
  app.route({ ...contentRoute('GET'), exposeHeadRoute: false, handler: content });
  app.route({
    ...contentRoute('HEAD'),
    schema: { ...contentRoute('HEAD').schema, hide: true },
    handler: content,
  });

  app.post(
    '/v1/files/:id/download-url',
    {
      schema: {
        tags,
        summary: 'An expiring link to the content that works without credentials (files:read)',
        params: fileParams,
        body: downloadUrlBody.nullish(),
        response: { 200: downloadLinkSchema, ...authErrorResponses },
      },
    },
    async (request) => {
      const link = await files.createDownloadLink(await authn.required(request), request.params.id, {
        expiresInSeconds: request.body?.expires_in ?? 3600,
        origin: publicUrl ?? `${request.protocol}://${request.host}`,
      });
      return { url: link.url, expires_at: link.expiresAt.toISOString() };
    },
  );

  app.delete(
    '/v1/files/:id',
    {
      schema: {
        tags,
        summary: 'Delete a file (files:write); 409 file_in_use while something uses it',
        params: fileParams,
        response: { 204: z.null(), ...authErrorResponses },
      },
    },
    async (request, reply) => {
      await files.delete(await authn.required(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  const tenantParams = z.object({ id: idSchema('ten') });

  app.get(
    '/v1/tenants/:id/file-settings',
    {
      schema: {
        tags: ['tenants'],
        summary: "The tenant's upload size limit (tenant:read)",
        params: tenantParams,
        response: { 200: fileSettingsSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      fileSettingsView(
        request.params.id,
        await files.getSettings(await authn.required(request), request.params.id),
      ),
  );

  app.put(
    '/v1/tenants/:id/file-settings',
    {
      schema: {
        tags: ['tenants'],
        summary: "Set the tenant's upload size limit, up to FILES_MAX_BYTES_CEILING (tenant:update)",
        params: tenantParams,
        body: fileSettingsBody,
        response: { 200: fileSettingsSchema, ...authErrorResponses },
      },
    },
    async (request) =>
      fileSettingsView(
        request.params.id,
        await files.putSettings(await authn.required(request), request.params.id, {
          maxFileBytes: request.body.max_file_bytes,
        }),
      ),
  );
};

/**
 * The file parts of a batch upload, one at a time: each file's stream is handed on through a pass-through,
 * so the service may stop reading it (a file over the limit) without stalling the parser; when the next
 * file is asked for, whatever is left of the previous one is read and dropped (the parser has cut it off
 * at the size limit already). Any text field among the files is a 400.
 */
async function* batchFiles(
  parts: AsyncIterableIterator<Multipart>,
  first: MultipartFile | undefined,
): AsyncGenerator<{ filename: string; content: Readable }> {
  let pending: Multipart | undefined = first;
  for (;;) {
    if (!pending) {
      const next = await nextPart(parts);
      if (next.done) return;
      pending = next.value;
    }
    const part = checkUploadField(pending);
    pending = undefined;
    if (part.type === 'field')
      throw part.fieldname === 'purpose'
        ? fieldError('purpose', 'must be sent once, before the files')
        : fieldError('file', 'must be a file, not a text field');
    if (part.fieldname !== 'file') throw fieldError('purpose', 'must be a text field');
    const source = part.file;
    const content = new PassThrough();
    source.pipe(content);
    let next = false;
    try {
      yield { filename: part.filename, content };
      next = true;
    } finally {
      source.unpipe(content);
      content.destroy();
    }
    // Only when the service asks for the next file (not when it gave up on the batch: the request is
    // answered at once and the connection closed).
    if (next && !source.readableEnded && !source.destroyed) {
      source.resume();
      await finished(source).catch(() => undefined);
    }
  }
}

function checkUploadField(part: Multipart): Multipart {
  if (!UPLOAD_FIELDS.has(part.fieldname))
    throw new ValidationError(`Unknown field ${JSON.stringify(part.fieldname)}`, {
      details: [
        { location: 'body', path: part.fieldname, message: 'unknown parameter', issue: 'unrecognized_keys' },
      ],
    });
  return part;
}

/** The next multipart part; a malformed body or a parser limit is the client's error (400/413), never a 500. */
async function nextPart(parts: AsyncIterableIterator<Multipart>): Promise<IteratorResult<Multipart>> {
  try {
    return await parts.next();
  } catch (error) {
    if (isAppError(error) || (error as { statusCode?: number }).statusCode !== undefined) throw error;
    throw new BadRequestError('The multipart body is malformed', { cause: error });
  }
}

function fieldError(path: string, message: string): ValidationError {
  return new ValidationError(`${path}: ${message}`, {
    details: [{ location: 'body', path, message, issue: 'invalid_type' }],
  });
}

function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  const { file, range } = download;
  reply
    .header('content-type', download.contentType)
    .header('content-disposition', download.contentDisposition)
    .header('accept-ranges', 'bytes')
    .header('etag', `"${file.sha256}"`)
    .header('cache-control', 'private, no-cache')
    // Never rendered as a page on this origin, whatever it contains (HTML files are data here).
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox");
  if (range) {
    reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${file.bytes}`)
      .header('content-length', String(range.end - range.start + 1));
  } else {
    reply.header('content-length', String(file.bytes));
  }
  return reply.send(download.body ?? undefined);
}
