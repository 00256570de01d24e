import { NexusValidationError } from './errors.js';

/**
 * Every `task_type` that `POST /v1/invoke` accepts (the server's `SUPPORTED_TASK_TYPES`).
 * @example SUPPORTED_TASK_TYPES.includes('text_generation') // true
 */
export const SUPPORTED_TASK_TYPES = [
  'text_generation',
  'image_generation',
  'speech_to_text',
  'text_to_speech',
  'document_processing',
] as const;

/** A task type: one of {@link SUPPORTED_TASK_TYPES}. */
export type TaskType = (typeof SUPPORTED_TASK_TYPES)[number];

/** What a file can be for; each purpose accepts its own formats. */
export const FILE_PURPOSES = ['document', 'audio', 'image', 'video'] as const;

/** A format a purpose accepts. */
export interface SupportedFileType {
  /** The canonical name (also the usual extension). */
  format: string;
  /** Extensions (lower case, no dot) a file of this format may be named with. */
  extensions: readonly string[];
  /** The media type Nexus stores and serves. */
  mediaType: string;
}

/**
 * The formats each purpose accepts, mirroring the server's allowlist (`FILE_FORMATS` in
 * `packages/server/src/modules/files/file-formats.ts`; a test fails when the two differ). Extensions are
 * case-insensitive. The server also checks that the bytes are what the extension says.
 * @example SUPPORTED_FILE_TYPES.document.flatMap((t) => t.extensions) // ['pdf', 'docx', 'txt', 'text', …]
 */
export const SUPPORTED_FILE_TYPES: {
  readonly [P in (typeof FILE_PURPOSES)[number]]: readonly SupportedFileType[];
} = {
  audio: [
    { format: 'mp3', extensions: ['mp3'], mediaType: 'audio/mpeg' },
    { format: 'wav', extensions: ['wav'], mediaType: 'audio/wav' },
    { format: 'm4a', extensions: ['m4a'], mediaType: 'audio/mp4' },
    { format: 'flac', extensions: ['flac'], mediaType: 'audio/flac' },
    { format: 'aac', extensions: ['aac'], mediaType: 'audio/aac' },
    { format: 'ogg', extensions: ['ogg', 'oga', 'opus'], mediaType: 'audio/ogg' },
  ],
  image: [
    { format: 'jpg', extensions: ['jpg', 'jpeg'], mediaType: 'image/jpeg' },
    { format: 'png', extensions: ['png'], mediaType: 'image/png' },
    { format: 'gif', extensions: ['gif'], mediaType: 'image/gif' },
    { format: 'webp', extensions: ['webp'], mediaType: 'image/webp' },
    { format: 'bmp', extensions: ['bmp'], mediaType: 'image/bmp' },
  ],
  video: [
    { format: 'mp4', extensions: ['mp4', 'm4v'], mediaType: 'video/mp4' },
    { format: 'mov', extensions: ['mov'], mediaType: 'video/quicktime' },
    { format: 'mkv', extensions: ['mkv'], mediaType: 'video/x-matroska' },
    { format: 'webm', extensions: ['webm'], mediaType: 'video/webm' },
  ],
  document: [
    { format: 'pdf', extensions: ['pdf'], mediaType: 'application/pdf' },
    {
      format: 'docx',
      extensions: ['docx'],
      mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    },
    { format: 'txt', extensions: ['txt', 'text'], mediaType: 'text/plain' },
    { format: 'md', extensions: ['md', 'markdown'], mediaType: 'text/markdown' },
    { format: 'html', extensions: ['html', 'htm'], mediaType: 'text/html' },
    { format: 'json', extensions: ['json'], mediaType: 'application/json' },
    { format: 'csv', extensions: ['csv'], mediaType: 'text/csv' },
  ],
};

/**
 * Checks a task type: {@link NexusValidationError} `unsupported_task_type` listing the supported ones.
 * @example assertTaskType('text_generation'); // passes
 */
export function assertTaskType(value: unknown, param = 'task_type'): asserts value is TaskType {
  if (typeof value === 'string' && (SUPPORTED_TASK_TYPES as readonly string[]).includes(value)) return;
  const what =
    typeof value === 'string' ? `Unknown ${param} "${value.slice(0, 100)}"` : `${param} is required`;
  throw new NexusValidationError(
    'unsupported_task_type',
    `${what}; supported: ${SUPPORTED_TASK_TYPES.join(', ')}`,
    { param, supported: [...SUPPORTED_TASK_TYPES] },
  );
}

/** The lower-case extension of a file name (`Report.PDF` → `pdf`), or null (the server's rule). */
function extensionOf(filename: string): string | null {
  const match = /\.([A-Za-z0-9]{1,16})$/.exec(filename);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * Checks a purpose and a file name before uploading, as the server would: `validation_failed` for an
 * unknown purpose (listing the purposes), `file_type_not_allowed` for an extension the purpose does not
 * accept (listing the extensions it does). Returns the format the file must be.
 * @example assertFileType('document', 'notes.md').mediaType // 'text/markdown'
 */
export function assertFileType(purpose: unknown, filename: string): SupportedFileType {
  if (typeof purpose !== 'string' || !(FILE_PURPOSES as readonly string[]).includes(purpose))
    throw new NexusValidationError(
      'validation_failed',
      `Unknown purpose ${JSON.stringify(purpose)}; supported: ${FILE_PURPOSES.join(', ')}`,
      { param: 'purpose', supported: [...FILE_PURPOSES] },
    );
  const allowed = SUPPORTED_FILE_TYPES[purpose as (typeof FILE_PURPOSES)[number]];
  const extension = extensionOf(filename);
  const format = extension ? allowed.find((t) => t.extensions.includes(extension)) : undefined;
  if (format) return format;
  const extensions = allowed.flatMap((t) => t.extensions);
  throw new NexusValidationError(
    'file_type_not_allowed',
    `${
      extension
        ? `Files with purpose "${purpose}" cannot be .${extension} files`
        : `The file name "${filename}" must end with its extension (purpose "${purpose}")`
    }; supported: ${extensions.map((e) => `.${e}`).join(', ')}`,
    { purpose, extension, allowed: extensions },
  );
}
