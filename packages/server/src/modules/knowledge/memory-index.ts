import { idf, termScore } from './bm25.js';
import { SimdMatrix } from './simd-dot.js';

/** One chunk as the in-process index holds it. */
export interface IndexedChunk {
  /** The chunk's `seq` (unique, increasing in insertion order): how results name it. */
  seq: number;
  documentId: string;
  /** BM25F-weighted term frequencies. */
  terms: readonly string[];
  tfs: readonly number[];
  /** BM25F-weighted length. */
  length: number;
  /** The embedding (any scale; normalised on the way in), when the index keeps vectors. */
  vector?: ArrayLike<number> | null | undefined;
}

export interface ScoredSeq {
  seq: number;
  score: number;
}

interface Postings {
  slots: Int32Array;
  tfs: Float32Array;
  n: number;
}

/**
 * One knowledge base's index, in process: an inverted index of BM25F term frequencies scored with
 * {@link termScore} (the same functions as the reference `Bm25Index`, so both rank alike), and — when the
 * database has no vector extension — the normalised embeddings for an exact cosine scan.
 *
 * Chunks live in slots (typed arrays). Removing a document marks its slots dead; document frequencies
 * and the average length count live slots only, so scores are exact at any time, and when a quarter of the
 * slots are dead the arrays are compacted.
 */
export class KbMemoryIndex {
  /** The knowledge base's `index_generation` this index has caught up with. */
  generation = -1;
  /** The highest `seq` (chunk or removal) applied. */
  maxSeq = 0;

  private capacity = 0;
  private used = 0;
  private live = 0;
  private totalLength = 0;
  private seqs = new Float64Array(0);
  private docOf = new Int32Array(0);
  private lengths = new Float32Array(0);
  private alive = new Uint8Array(0);
  private hasVector = new Uint8Array(0);
  /** The normalised embeddings, one row a slot (when vectors are kept). */
  private readonly vectors: SimdMatrix | undefined;
  private readonly postings = new Map<string, Postings>();
  private readonly documents: string[] = [];
  private readonly documentIndex = new Map<string, number>();
  private readonly slotsOf = new Map<number, number[]>();

  /**
   * @param dims the embedding size kept for exact vector search; 0 keeps no vectors (the database searches
   * vectors itself).
   */
  constructor(
    readonly embeddingVersion: number,
    readonly dims: number,
  ) {
    this.vectors = dims > 0 ? new SimdMatrix(dims) : undefined;
  }

  /** Live chunks. */
  get size(): number {
    return this.live;
  }

  /** Slots in use, dead ones included (what the memory budget counts). */
  get slots(): number {
    return this.used;
  }

  /** Adds a chunk. Chunks arrive in increasing `seq`. */
  add(chunk: IndexedChunk): void {
    if (this.used === this.capacity) this.grow(Math.max(64, this.capacity * 2));
    const slot = this.used++;
    const doc = this.documentSlot(chunk.documentId);
    this.seqs[slot] = chunk.seq;
    this.docOf[slot] = doc;
    this.lengths[slot] = chunk.length;
    this.alive[slot] = 1;
    this.live++;
    this.totalLength += chunk.length;
    this.slotsOf.get(doc)!.push(slot);
    for (let i = 0; i < chunk.terms.length; i++) {
      const term = chunk.terms[i]!;
      let list = this.postings.get(term);
      if (!list) {
        list = { slots: new Int32Array(4), tfs: new Float32Array(4), n: 0 };
        this.postings.set(term, list);
      } else if (list.n === list.slots.length) {
        const slots = new Int32Array(list.n * 2);
        slots.set(list.slots);
        const tfs = new Float32Array(list.n * 2);
        tfs.set(list.tfs);
        list.slots = slots;
        list.tfs = tfs;
      }
      list.slots[list.n] = slot;
      list.tfs[list.n] = chunk.tfs[i]!;
      list.n++;
    }
    if (this.vectors && chunk.vector && chunk.vector.length === this.dims) {
      let norm = 0;
      for (let i = 0; i < this.dims; i++) norm += chunk.vector[i]! * chunk.vector[i]!;
      norm = Math.sqrt(norm);
      if (norm > 0) {
        this.vectors.set(slot, chunk.vector, 1 / norm);
        this.hasVector[slot] = 1;
      }
    }
    if (chunk.seq > this.maxSeq) this.maxSeq = chunk.seq;
  }

  /** Removes the chunks of `documentId` older than `beforeSeq` (a removal record's seq). */
  removeDocument(documentId: string, beforeSeq: number): void {
    if (beforeSeq > this.maxSeq) this.maxSeq = beforeSeq;
    const doc = this.documentIndex.get(documentId);
    if (doc === undefined) return;
    const slots = this.slotsOf.get(doc)!;
    const kept: number[] = [];
    for (const slot of slots) {
      if (this.seqs[slot]! < beforeSeq) {
        if (this.alive[slot] === 1) {
          this.alive[slot] = 0;
          this.live--;
          this.totalLength -= this.lengths[slot]!;
        }
      } else kept.push(slot);
    }
    this.slotsOf.set(doc, kept);
    if (this.used >= 1024 && this.used - this.live > this.used / 4) this.compact();
  }

  /**
   * The best `k` live chunks for the analysed query `terms` (a term given twice counts twice; `termWeights`,
   * parallel to `terms`, scales each occurrence, as query expansion needs), scored BM25F; chunks matching
   * no term are left out. `allow` limits the candidates to some documents (document frequencies still
   * count every chunk: they describe the corpus).
   */
  searchLexical(
    terms: readonly string[],
    k: number,
    allow?: ReadonlySet<string>,
    termWeights?: readonly number[],
  ): ScoredSeq[] {
    if (this.live === 0 || k <= 0) return [];
    const mask = this.documentMask(allow);
    if (mask === null) return [];
    const avgLength = this.totalLength / this.live;
    const weights = new Map<string, number>();
    terms.forEach((term, i) => {
      weights.set(term, (weights.get(term) ?? 0) + (termWeights?.[i] ?? 1));
    });
    const scores = new Float64Array(this.used);
    const touched: number[] = [];
    const dead = this.used - this.live;
    for (const [term, weight] of weights) {
      const list = this.postings.get(term);
      if (!list) continue;
      let df = list.n;
      if (dead > 0) {
        df = 0;
        for (let j = 0; j < list.n; j++) df += this.alive[list.slots[j]!]!;
      }
      if (df === 0) continue;
      const termIdf = idf(df, this.live);
      for (let j = 0; j < list.n; j++) {
        const slot = list.slots[j]!;
        if (this.alive[slot] === 0) continue;
        if (mask && mask[this.docOf[slot]!] === 0) continue;
        if (scores[slot] === 0) touched.push(slot);
        scores[slot]! += weight * termScore(list.tfs[j]!, this.lengths[slot]!, avgLength, termIdf);
      }
    }
    return this.top(touched, scores, k);
  }

  /** The `k` live chunks nearest to `query` by cosine similarity (exact scan); [] without vectors. */
  searchVector(query: ArrayLike<number>, k: number, allow?: ReadonlySet<string>): ScoredSeq[] {
    if (!this.vectors || query.length !== this.dims || this.live === 0 || k <= 0) return [];
    const mask = this.documentMask(allow);
    if (mask === null) return [];
    let norm = 0;
    for (let i = 0; i < this.dims; i++) norm += query[i]! * query[i]!;
    norm = Math.sqrt(norm);
    if (norm === 0) return [];
    const q = new Float32Array(this.dims);
    for (let i = 0; i < this.dims; i++) q[i] = query[i]! / norm;
    // Every row at once (WebAssembly SIMD), then the live, allowed ones compete for the top k.
    const scores = this.vectors.scan(q, this.used);
    const best = new TopK(k);
    for (let slot = 0; slot < this.used; slot++) {
      if (this.alive[slot] === 0 || this.hasVector[slot] === 0) continue;
      if (mask && mask[this.docOf[slot]!] === 0) continue;
      best.offer(scores[slot]!, this.seqs[slot]!);
    }
    return best.sorted();
  }

  /** Approximate bytes held, for logs and the cache budget's documentation. */
  approximateBytes(): number {
    let postings = 0;
    for (const list of this.postings.values()) postings += list.slots.length * 8 + 64;
    return (
      postings +
      this.capacity * (8 + 4 + 4 + 2) +
      (this.vectors ? this.vectors.capacity * this.vectors.stride * 4 : 0)
    );
  }

  private top(candidates: number[], scores: Float64Array, k: number): ScoredSeq[] {
    const best = new TopK(k);
    for (const slot of candidates) {
      const score = scores[slot]!;
      if (score > 0) best.offer(score, this.seqs[slot]!);
    }
    return best.sorted();
  }

  /** undefined: every document; null: none of the allowed documents is here. */
  private documentMask(allow: ReadonlySet<string> | undefined): Uint8Array | undefined | null {
    if (!allow) return undefined;
    const mask = new Uint8Array(this.documents.length);
    let any = false;
    for (const id of allow) {
      const doc = this.documentIndex.get(id);
      if (doc !== undefined) {
        mask[doc] = 1;
        any = true;
      }
    }
    return any ? mask : null;
  }

  private documentSlot(documentId: string): number {
    let doc = this.documentIndex.get(documentId);
    if (doc === undefined) {
      doc = this.documents.length;
      this.documents.push(documentId);
      this.documentIndex.set(documentId, doc);
      this.slotsOf.set(doc, []);
    }
    return doc;
  }

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Int32Array | Float32Array | Uint8Array>(
      old: T,
      make: (n: number) => T,
      n: number,
    ): T => {
      const next = make(n);
      next.set(old.subarray(0, this.used) as never);
      return next;
    };
    this.seqs = copy(this.seqs, (n) => new Float64Array(n), capacity);
    this.docOf = copy(this.docOf, (n) => new Int32Array(n), capacity);
    this.lengths = copy(this.lengths, (n) => new Float32Array(n), capacity);
    this.alive = copy(this.alive, (n) => new Uint8Array(n), capacity);
    this.hasVector = copy(this.hasVector, (n) => new Uint8Array(n), capacity);
    this.vectors?.reserve(capacity);
    this.capacity = capacity;
  }

  /** Drops dead slots: renumbers live ones and rebuilds the postings without the dead. */
  private compact(): void {
    const remap = new Int32Array(this.used).fill(-1);
    let next = 0;
    for (let slot = 0; slot < this.used; slot++) {
      if (this.alive[slot] === 0) continue;
      remap[slot] = next;
      if (next !== slot) {
        this.seqs[next] = this.seqs[slot]!;
        this.docOf[next] = this.docOf[slot]!;
        this.lengths[next] = this.lengths[slot]!;
        this.hasVector[next] = this.hasVector[slot]!;
        this.vectors?.move(slot, next);
      }
      this.alive[next] = 1;
      next++;
    }
    this.alive.fill(0, next, this.used);
    this.hasVector.fill(0, next, this.used);
    this.used = next;
    for (const [term, list] of this.postings) {
      let n = 0;
      for (let j = 0; j < list.n; j++) {
        const slot = remap[list.slots[j]!]!;
        if (slot < 0) continue;
        list.slots[n] = slot;
        list.tfs[n] = list.tfs[j]!;
        n++;
      }
      if (n === 0) this.postings.delete(term);
      else if (n < list.slots.length / 4) {
        list.slots = list.slots.slice(0, Math.max(4, n * 2));
        list.tfs = list.tfs.slice(0, Math.max(4, n * 2));
      }
      list.n = n;
    }
    for (const [doc, slots] of this.slotsOf) {
      const kept = slots.map((slot) => remap[slot]!).filter((slot) => slot >= 0);
      this.slotsOf.set(doc, kept);
    }
    if (this.capacity > 1024 && this.used < this.capacity / 4) this.grow(Math.max(1024, this.used * 2));
  }
}

/**
 * The best `k` (score, seq) pairs offered, higher score first and on equal scores the lower seq (the older
 * chunk): a min-heap in typed arrays, where most offers end at one comparison with the worst kept.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly seqs: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.scores = new Float64Array(Math.max(0, k));
    this.seqs = new Float64Array(Math.max(0, k));
  }

  offer(score: number, seq: number): void {
    if (this.k <= 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, seq, this.scores[parent]!, this.seqs[parent]!)) break;
        this.scores[i] = this.scores[parent]!;
        this.seqs[i] = this.seqs[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.seqs[i] = seq;
      return;
    }
    if (!this.worse(this.scores[0]!, this.seqs[0]!, score, seq)) return;
    // Replace the worst kept (the root) and sift down.
    let i = 0;
    for (;;) {
      const l = i * 2 + 1;
      if (l >= this.size) break;
      const r = l + 1;
      let child = l;
      if (r < this.size && this.worse(this.scores[r]!, this.seqs[r]!, this.scores[l]!, this.seqs[l]!))
        child = r;
      if (!this.worse(this.scores[child]!, this.seqs[child]!, score, seq)) break;
      this.scores[i] = this.scores[child]!;
      this.seqs[i] = this.seqs[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.seqs[i] = seq;
  }

  /** Best first. */
  sorted(): ScoredSeq[] {
    const out: ScoredSeq[] = [];
    for (let i = 0; i < this.size; i++) out.push({ seq: this.seqs[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.seq - b.seq);
  }

  private worse(scoreA: number, seqA: number, scoreB: number, seqB: number): boolean {
    return scoreA < scoreB || (scoreA === scoreB && seqA > seqB);
  }
}

/** One row of an index delta: a chunk added, or a document's older chunks removed. */
export type IndexDeltaRow =
  | {
      kind: 'chunk';
      seq: number;
      documentId: string;
      /** JSON `{"t":[terms],"f":[tfs]}` (see {@link encodeLexical}). */
      lexical: string;
      length: number;
      embeddingVersion: number;
      /** The embedding, when asked for and the database keeps it as bytes. */
      vector: Float32Array | null;
    }
  | { kind: 'removal'; seq: number; documentId: string };

/** Reads what changed in a knowledge base's index after `afterSeq`, in `seq` order, at most `limit` rows. */
export type IndexDeltaLoader = (
  kb: IndexedBase,
  afterSeq: number,
  limit: number,
  withVectors: boolean,
) => Promise<IndexDeltaRow[]>;

/** What the cache needs to know of a knowledge base to serve its index. */
export interface IndexedBase {
  id: string;
  tenant_id: string;
  index_generation: number;
  embedding_version: number;
  embedding_dims: number | null;
}

export interface IndexCacheSettings {
  /** Slots (chunks) kept across all knowledge bases before the least recently used are dropped. */
  maxSlots: number;
  /** Keep embeddings for exact in-process vector search (databases without the vector extension). */
  withVectors: boolean;
  /** Rows read per delta query. */
  pageSize?: number;
  /**
   * An index not searched for this long is dropped (default an hour): a knowledge base deleted through
   * another instance, or no longer used, does not hold memory here forever.
   */
  idleMs?: number;
}

/** The lexical part of a chunk row: its terms and weighted term frequencies, as stored. */
export function encodeLexical(tf: ReadonlyMap<string, number>): string {
  return JSON.stringify({ t: [...tf.keys()], f: [...tf.values()] });
}

export function decodeLexical(text: string): { t: string[]; f: number[] } {
  const value = JSON.parse(text) as { t?: unknown; f?: unknown };
  if (!Array.isArray(value.t) || !Array.isArray(value.f) || value.t.length !== value.f.length)
    throw new Error('malformed lexical index entry');
  return value as { t: string[]; f: number[] };
}

/**
 * The in-process indexes of the knowledge bases this instance searches, kept current from the database:
 * a search passes the knowledge base row it read (with `index_generation`); when that moved, the index
 * reads the chunks and removals after the last `seq` it applied. Every instance does the same, so all of
 * them serve what the database holds. The least recently used indexes are dropped over `maxSlots`.
 */
export class IndexCache {
  private readonly entries = new Map<string, KbMemoryIndex>();
  private readonly usedAt = new Map<string, number>();
  private readonly syncing = new Map<string, Promise<KbMemoryIndex>>();

  constructor(
    private readonly settings: IndexCacheSettings,
    private readonly load: IndexDeltaLoader,
  ) {}

  /** The index of `kb`, caught up with at least `kb.index_generation`. */
  async get(kb: IndexedBase): Promise<KbMemoryIndex> {
    const current = this.entries.get(kb.id);
    if (current && this.fits(current, kb) && current.generation >= kb.index_generation) {
      this.touch(kb.id, current);
      return current;
    }
    const pending = this.syncing.get(kb.id);
    if (pending) {
      const index = await pending;
      if (this.fits(index, kb) && index.generation >= kb.index_generation) return index;
    }
    const run = this.sync(kb).finally(() => this.syncing.delete(kb.id));
    this.syncing.set(kb.id, run);
    return run;
  }

  /** Drops a knowledge base's index (deleted here; other instances drop theirs as it ages out). */
  forget(kbId: string): void {
    this.entries.delete(kbId);
    this.usedAt.delete(kbId);
  }

  /** Slots held across all indexes. */
  get slots(): number {
    let total = 0;
    for (const index of this.entries.values()) total += index.slots;
    return total;
  }

  private async sync(kb: IndexedBase): Promise<KbMemoryIndex> {
    let index = this.entries.get(kb.id);
    if (!index || !this.fits(index, kb)) index = new KbMemoryIndex(kb.embedding_version, this.dimsFor(kb));
    const pageSize = this.settings.pageSize ?? 5_000;
    const withVectors = index.dims > 0;
    for (;;) {
      const rows = await this.load(kb, index.maxSeq, pageSize, withVectors);
      for (const row of rows) {
        if (row.kind === 'removal') {
          index.removeDocument(row.documentId, row.seq);
          continue;
        }
        const lexical = decodeLexical(row.lexical);
        index.add({
          seq: row.seq,
          documentId: row.documentId,
          terms: lexical.t,
          tfs: lexical.f,
          length: row.length,
          vector: row.embeddingVersion === index.embeddingVersion ? row.vector : null,
        });
      }
      if (rows.length < pageSize) break;
    }
    // The generation was read before the delta, so the index holds at least that much.
    index.generation = Math.max(index.generation, kb.index_generation);
    this.touch(kb.id, index);
    this.evict(kb.id);
    return index;
  }

  /** Whether an index was built for the knowledge base's current embedding model. */
  private fits(index: KbMemoryIndex, kb: IndexedBase): boolean {
    return index.embeddingVersion === kb.embedding_version && index.dims === this.dimsFor(kb);
  }

  private dimsFor(kb: IndexedBase): number {
    return this.settings.withVectors ? (kb.embedding_dims ?? 0) : 0;
  }

  private touch(kbId: string, index: KbMemoryIndex): void {
    this.entries.delete(kbId);
    this.entries.set(kbId, index);
    this.usedAt.set(kbId, Date.now());
  }

  /** Drops idle indexes, then the least recently used while over the budget (never `keep`). */
  private evict(keep: string): void {
    const idleBefore = Date.now() - (this.settings.idleMs ?? 3_600_000);
    let total = this.slots;
    for (const [kbId, index] of this.entries) {
      if (kbId === keep) continue;
      if (total > this.settings.maxSlots || (this.usedAt.get(kbId) ?? 0) < idleBefore) {
        this.forget(kbId);
        total -= index.slots;
      }
    }
  }
}
