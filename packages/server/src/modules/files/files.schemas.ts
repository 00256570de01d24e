import { z } from 'zod';
import { iso, limitQuery, page, timestamp } from '../../http/schemas.js';
import { idSchema } from '../../ids.js';
import { FILE_PURPOSES } from './file-formats.js';
import type { FileRow } from './files.repository.js';
import { type BatchUploadItem, type FileSettingsView, MAX_LINK_TTL_S } from './files.service.js';

/** A file on the wire: OpenAI's file object (`created_at` in Unix seconds, like OpenAI) plus type and hash. */
export const fileSchema = z
  .object({
    id: z.string().meta({ example: 'file_01jd8x3k5q9v7w2m4n6p8r0s1t' }),
    object: z.literal('file'),
    bytes: z.number().int(),
    created_at: z.number().int().meta({ description: 'Unix time in seconds (as OpenAI)' }),
    filename: z.string(),
    purpose: z.enum(FILE_PURPOSES),
    media_type: z.string().meta({ description: 'Detected from the content', example: 'application/pdf' }),
    sha256: z.string().meta({ description: 'SHA-256 of the content, lower-case hex' }),
  })
  .meta({ id: 'File' });

/**
 * A file on the wire.
 * @example reply.status(201).send(fileView(row))
 */
export function fileView(f: FileRow): z.input<typeof fileSchema> {
  return {
    id: f.id,
    object: 'file',
    bytes: f.bytes,
    created_at: Math.floor(new Date(f.created_at).getTime() / 1000),
    filename: f.filename,
    purpose: f.purpose,
    media_type: f.media_type,
    sha256: f.sha256,
  };
}

export const filePage = page(fileSchema);

/** One file of `POST /v1/files/batch`: stored (the file object), or refused (the error a single upload gets). */
export const fileBatchItemSchema = z
  .discriminatedUnion('status', [
    z.object({
      index: z.number().int().meta({ description: 'The file’s position among the file parts, from 0' }),
      status: z.literal('succeeded'),
      file: fileSchema,
    }),
    z.object({
      index: z.number().int(),
      status: z.literal('failed'),
      filename: z.string(),
      error: z.object({
        code: z.string().meta({
          description: 'The code a single upload answers (docs/errors.md)',
          example: 'file_type_not_allowed',
        }),
        message: z.string(),
        details: z.unknown().optional(),
      }),
    }),
  ])
  .meta({ id: 'FileBatchItem' });

export const fileBatchSchema = z
  .object({ object: z.literal('list'), data: z.array(fileBatchItemSchema) })
  .meta({ id: 'FileBatch' });

/** A batch upload's results on the wire, in the order the files were sent. */
export function fileBatchView(items: readonly BatchUploadItem[]): z.input<typeof fileBatchSchema> {
  return {
    object: 'list',
    data: items.map((item) =>
      item.status === 'succeeded'
        ? { index: item.index, status: 'succeeded', file: fileView(item.file) }
        : { index: item.index, status: 'failed', filename: item.filename, error: item.error },
    ),
  };
}

export const listFilesQuery = z
  .object({
    purpose: z.enum(FILE_PURPOSES).optional(),
    cursor: z.string().max(200).optional(),
    limit: limitQuery,
  })
  .strict();

export const fileParams = z.object({ id: idSchema('file') });

/** A signed link's parameters; all three or none (then the request needs credentials). */
export const contentQuery = z
  .object({
    tenant: z.string().max(100).optional(),
    expires: z.string().max(20).optional(),
    signature: z.string().max(200).optional(),
  })
  .strict();

export const downloadUrlBody = z
  .object({
    expires_in: z
      .number()
      .int()
      .min(1)
      .max(MAX_LINK_TTL_S)
      .default(3600)
      .meta({ description: 'Seconds the link works (default 3600, at most 604800 = 7 days)' }),
  })
  .strict();

export const downloadLinkSchema = z
  .object({
    url: z.string(),
    expires_at: timestamp,
  })
  .meta({ id: 'FileDownloadLink' });

export const fileSettingsBody = z
  .object({
    max_file_bytes: z
      .number()
      .int()
      .min(1)
      .nullable()
      .meta({ description: "The tenant's upload size limit in bytes; null: the platform default" }),
  })
  .strict();

export const fileSettingsSchema = z
  .object({
    tenant_id: z.string(),
    max_file_bytes: z.number().int().meta({ description: 'The limit in force' }),
    max_file_bytes_override: z.number().int().nullable().meta({ description: "The tenant's own limit" }),
    default_max_file_bytes: z.number().int().meta({ description: 'FILES_MAX_BYTES' }),
    ceiling_max_file_bytes: z
      .number()
      .int()
      .meta({ description: 'FILES_MAX_BYTES_CEILING: the largest limit a tenant may set' }),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'FileSettings' });

export function fileSettingsView(tenantId: string, s: FileSettingsView): z.input<typeof fileSettingsSchema> {
  return {
    tenant_id: tenantId,
    max_file_bytes: s.maxFileBytes,
    max_file_bytes_override: s.override,
    default_max_file_bytes: s.defaultMaxBytes,
    ceiling_max_file_bytes: s.ceilingBytes,
    updated_at: iso(s.updatedAt),
  };
}
