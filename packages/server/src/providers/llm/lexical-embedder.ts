/**
 * The built-in embedder of the offline `local` provider: lexical feature hashing. Words (Latin scripts,
 * lower-cased) and character bigrams (CJK, which has no spaces) are hashed into a fixed number of
 * dimensions with a sign bit, weighted by 1 + log(term frequency), and L2-normalised, so cosine
 * similarity measures word overlap. No model weights, deterministic, fast; semantic quality is lexical.
 */
export function lexicalEmbedding(text: string, dimensions: number): number[] {
  const vector = new Float64Array(dimensions);
  const counts = new Map<string, number>();
  for (const term of lexicalTerms(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
  for (const [term, tf] of counts) {
    const h = fnv1a(term);
    const index = h % dimensions;
    const sign = (h >>> 31) & 1 ? -1 : 1;
    vector[index] = (vector[index] ?? 0) + sign * (1 + Math.log(tf));
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  return Array.from(vector, (v) => (norm === 0 ? 0 : v / norm));
}

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u;

/** Lower-cased word terms plus CJK character bigrams (and single characters for one-character runs). */
export function lexicalTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const run = match[0];
    if (!CJK.test(run)) {
      terms.push(run);
      continue;
    }
    // Split mixed runs ("gpt模型") into Latin words and CJK characters.
    let latin = '';
    const chars: string[] = [];
    const flush = () => {
      if (chars.length === 1) terms.push(chars[0]!);
      for (let i = 0; i + 1 < chars.length; i++) terms.push(chars[i]! + chars[i + 1]!);
      chars.length = 0;
    };
    for (const ch of run) {
      if (CJK.test(ch)) {
        if (latin) terms.push(latin);
        latin = '';
        chars.push(ch);
      } else {
        flush();
        latin += ch;
      }
    }
    flush();
    if (latin) terms.push(latin);
  }
  return terms;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
