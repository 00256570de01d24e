/**
 * `Content-Disposition: attachment` for a file name of any script: an ASCII fallback in `filename` (other
 * characters become `_`, quotes and backslashes removed) and the exact name in `filename*` (RFC 6266 /
 * RFC 8187, UTF-8, percent-encoded), which every current browser and HTTP client prefers.
 * @example contentDisposition('报告 "final".pdf') // attachment; filename="__ _final_.pdf"; filename*=UTF-8''%E6%8A%A5...
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** The Content-Type a file is served with: its media type, with `charset=utf-8` for text (always UTF-8). */
export function contentTypeOf(file: { media_type: string; format: string }): string {
  return file.media_type.startsWith('text/') || file.media_type === 'application/json'
    ? `${file.media_type}; charset=utf-8`
    : file.media_type;
}

/**
 * A safe file name from what the client sent: the last path segment (`C:\\a\\b.txt`, `../x.txt`), without
 * control characters, trimmed, Unicode NFC, at most 255 characters (the extension kept). Empty when
 * nothing usable is left.
 */
export function cleanFilename(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // \p{Cc}: the C0 and C1 control characters (NUL, tab, newline, DEL, ...).
  const cleaned = base
    .replace(/\p{Cc}/gu, '')
    .normalize('NFC')
    .trim();
  if (cleaned === '.' || cleaned === '..') return '';
  const chars = [...cleaned];
  if (chars.length <= 255) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 17 ? cleaned.slice(dot) : '';
  return chars.slice(0, 255 - [...extension].length).join('') + extension;
}
