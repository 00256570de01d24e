import { countTokens } from '../../providers/llm/token-count.js';

/** One chunk retrieved from a conversation's knowledge bases for the turn being answered, best first. */
export interface RetrievedSource {
  chunkId: string;
  knowledgeBaseId: string;
  documentId: string;
  documentTitle: string;
  text: string;
  score: number;
  page?: number | null | undefined;
  start: number;
  end: number;
  headings: readonly string[];
}

/** A numbered source of a reply, as saved on the assistant message's `citations` (shown by the API). */
export interface Citation {
  /** The `n` of `[n]` in the prompt and in the reply. */
  index: number;
  chunk_id: string;
  knowledge_base_id: string;
  document_id: string;
  document_title: string;
  page: number | null;
  /** Character offsets of the chunk in the document's extracted text. */
  start: number;
  end: number;
  headings: string[];
  score: number;
  /** The beginning of the chunk's text, for showing the source without another request. */
  quote: string;
}

/** What a turn adds to the system prompt, and the citations it makes possible. */
export interface KnowledgeContext {
  /** Appended to the conversation's system prompt; empty when nothing was retrieved. */
  prompt: string;
  citations: Citation[];
}

const INSTRUCTIONS =
  'Answer using the numbered sources below when they are relevant, and cite each one you use as [n]. ' +
  'If they do not contain the answer, say so.';

const QUOTE_CHARS = 300;

/**
 * Numbers the retrieved chunks as sources `[1]`, `[2]`, … under a token budget (best first; a chunk that
 * does not fit is skipped, smaller later ones may still fit). Each source is a label line `[n] title ·
 * headings (page p)` followed by the chunk's text on its own lines, the form the `local` provider reads back
 * to cite the sources its sentences came from.
 */
export function knowledgeContext(sources: readonly RetrievedSource[], maxTokens: number): KnowledgeContext {
  const citations: Citation[] = [];
  const blocks: string[] = [];
  let used = countTokens(INSTRUCTIONS);
  for (const source of sources) {
    const text = source.text
      .split('\n')
      .map((line) => line.replace(/^(\s*)\[(\d{1,3})\]/u, '$1($2)').trimEnd())
      .filter((line) => line.trim() !== '')
      .join('\n');
    if (text === '') continue;
    const index = citations.length + 1;
    const block = `[${index}] ${labelOf(source)}\n${text}`;
    const tokens = countTokens(block) + 2;
    if (used + tokens > maxTokens) continue;
    used += tokens;
    blocks.push(block);
    citations.push({
      index,
      chunk_id: source.chunkId,
      knowledge_base_id: source.knowledgeBaseId,
      document_id: source.documentId,
      document_title: source.documentTitle,
      page: source.page ?? null,
      start: source.start,
      end: source.end,
      headings: [...source.headings],
      score: source.score,
      quote: source.text.length > QUOTE_CHARS ? `${source.text.slice(0, QUOTE_CHARS)}…` : source.text,
    });
  }
  if (blocks.length === 0) return { prompt: '', citations: [] };
  return { prompt: `${INSTRUCTIONS}\n\n${blocks.join('\n\n')}`, citations };
}

function labelOf(source: RetrievedSource): string {
  const title = source.documentTitle.replace(/\s+/gu, ' ').trim() || source.documentId;
  const headings = source.headings.map((h) => h.replace(/\s+/gu, ' ').trim()).filter(Boolean);
  const page = source.page == null ? '' : ` (page ${source.page})`;
  return `${[title, ...headings].join(' · ')}${page}`;
}

/** The conversation's system prompt with the turn's sources appended (either may be empty). */
export function withKnowledge(systemPrompt: string | null, context: KnowledgeContext): string | null {
  if (context.prompt === '') return systemPrompt;
  return systemPrompt?.trim() ? `${systemPrompt}\n\n${context.prompt}` : context.prompt;
}
