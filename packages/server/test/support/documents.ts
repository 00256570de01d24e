import { zipSync } from 'fflate';

/**
 * Minimal valid documents built in code, for parser tests: no binary fixtures to keep in the repository.
 */

const encoder = new TextEncoder();

/**
 * A PDF with one page per entry, each line drawn with Helvetica 14 points below the previous one.
 * Only printable ASCII is supported (the standard font has no CJK glyphs).
 * @example minimalPdf([['Hello world.']], { title: 'Greeting' })
 */
export function minimalPdf(
  pages: readonly (readonly string[])[],
  options: { title?: string } = {},
): Uint8Array {
  const objects: string[] = [];
  const kids = pages.map((_, i) => `${4 + i * 2} 0 R`).join(' ');
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  pages.forEach((lines, i) => {
    const shown = lines.map((line) => `(${line.replace(/[()\\]/g, (c) => `\\${c}`)}) Tj T*`).join(' ');
    const stream = `BT /F1 12 Tf 72 720 Td 14 TL ${shown} ET`;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`,
    );
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  });
  let info = '';
  if (options.title !== undefined) {
    objects.push(`<< /Title (${options.title.replace(/[()\\]/g, (c) => `\\${c}`)}) >>`);
    info = ` /Info ${objects.length} 0 R`;
  }
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${info} >>\nstartxref\n${xref}\n%%EOF\n`;
  return encoder.encode(out);
}

export type DocxParagraph =
  | { text: string; style?: 'Heading1' | 'Heading2' | 'ListParagraph' }
  | { table: string[][] };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** The `word/document.xml` of {@link minimalDocx}. */
export function docxDocumentXml(paragraphs: readonly DocxParagraph[]): string {
  const body = paragraphs
    .map((p) => {
      if ('table' in p) {
        const rows = p.table
          .map(
            (row) =>
              `<w:tr>${row.map((cell) => `<w:tc><w:p><w:r><w:t>${escapeXml(cell)}</w:t></w:r></w:p></w:tc>`).join('')}</w:tr>`,
          )
          .join('');
        return `<w:tbl>${rows}</w:tbl>`;
      }
      const style = p.style ? `<w:pPr><w:pStyle w:val="${p.style}"/></w:pPr>` : '';
      return `<w:p>${style}<w:r><w:t xml:space="preserve">${escapeXml(p.text)}</w:t></w:r></w:p>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`;
}

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style></w:styles>`;

/**
 * A DOCX with the given paragraphs (headings via the built-in "heading 1/2" styles) and tables.
 * `extraEntries` adds or replaces archive entries (to build damaged or oversized archives).
 * @example minimalDocx([{ text: 'Title', style: 'Heading1' }, { text: 'Body.' }])
 */
export function minimalDocx(
  paragraphs: readonly DocxParagraph[],
  extraEntries: Record<string, Uint8Array> = {},
  level: 0 | 6 | 9 = 6,
): Uint8Array {
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': encoder.encode(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
    ),
    '_rels/.rels': encoder.encode(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    'word/_rels/document.xml.rels': encoder.encode(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    ),
    'word/styles.xml': encoder.encode(STYLES),
    'word/document.xml': encoder.encode(docxDocumentXml(paragraphs)),
    ...extraEntries,
  };
  return zipSync(files, { level });
}

/**
 * Overwrites the declared uncompressed size of `entry` in a ZIP's central directory (and its local
 * header): an archive that lies about how large an entry inflates.
 */
export function withDeclaredSize(zip: Uint8Array, entry: string, size: number): Uint8Array {
  const bytes = new Uint8Array(zip);
  const view = new DataView(bytes.buffer);
  const name = encoder.encode(entry);
  for (let at = 0; at + 46 < bytes.length; at++) {
    const signature = view.getUint32(at, true);
    if (signature === 0x02014b50) {
      const length = view.getUint16(at + 28, true);
      if (length === name.length && bytes.subarray(at + 46, at + 46 + length).every((b, i) => b === name[i]))
        view.setUint32(at + 24, size, true);
    } else if (signature === 0x04034b50) {
      const length = view.getUint16(at + 26, true);
      if (length === name.length && bytes.subarray(at + 30, at + 30 + length).every((b, i) => b === name[i]))
        view.setUint32(at + 22, size, true);
    }
  }
  return bytes;
}
