import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25.js';
import { analyze, fieldTermFrequencies } from './lexical-analyzer.js';
import {
  decodeLexical,
  encodeLexical,
  IndexCache,
  type IndexDeltaRow,
  type IndexedChunk,
  KbMemoryIndex,
} from './memory-index.js';

const WORDS = [
  'kafka',
  'stream',
  'log',
  'partition',
  'broker',
  'consumer',
  'offset',
  'replica',
  'leader',
  'topic',
  '北京',
  '大学',
  '数据',
  'index',
  'vector',
  'search',
];

/** A deterministic pseudo-random generator, so failures reproduce. */
function rng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function corpus(n: number, seed = 7) {
  const random = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from(
      { length: 3 + Math.floor(random() * 12) },
      () => WORDS[Math.floor(random() * WORDS.length)]!,
    );
    return {
      id: `c${i}`,
      doc: `doc${i % 5}`,
      title: random() < 0.3 ? WORDS[i % WORDS.length]! : '',
      body: words.join(' '),
    };
  });
}

function chunkOf(item: ReturnType<typeof corpus>[number], seq: number, vector?: number[]): IndexedChunk {
  const { tf, length } = fieldTermFrequencies({ title: item.title, body: item.body });
  return { seq, documentId: item.doc, terms: [...tf.keys()], tfs: [...tf.values()], length, vector };
}

describe('KbMemoryIndex', () => {
  it('ranks exactly as the reference Bm25Index', () => {
    const items = corpus(300);
    const reference = new Bm25Index();
    const index = new KbMemoryIndex(1, 0);
    items.forEach((item, i) => {
      reference.add(item.id, { title: item.title, body: item.body });
      index.add(chunkOf(item, i + 1));
    });
    for (const query of [
      'kafka partition',
      'broker broker leader',
      '北京 数据',
      'vector search index',
      'nothing',
    ]) {
      const expected = reference.search(query, 10);
      const got = index.searchLexical(analyze(query), 10);
      expect(got.map((r) => `c${r.seq - 1}`)).toEqual(expected.map((r) => r.id));
      got.forEach((r, i) => {
        expect(r.score).toBeCloseTo(expected[i]!.score, 4);
      });
    }
  });

  it('after removals and compaction, scores as an index built from the remaining chunks', () => {
    const items = corpus(2000, 11);
    const index = new KbMemoryIndex(1, 0);
    items.forEach((item, i) => {
      index.add(chunkOf(item, i + 1));
    });
    // Re-index doc1 (its old chunks go, new ones come) and delete doc3 entirely: over a quarter of the
    // slots die, so the index compacts.
    index.removeDocument('doc1', 5000);
    index.removeDocument('doc3', 5001);
    const readded = items.filter((item) => item.doc === 'doc1').slice(0, 50);
    readded.forEach((item, i) => {
      index.add(chunkOf(item, 6000 + i));
    });
    expect(index.size).toBe(items.filter((x) => x.doc !== 'doc1' && x.doc !== 'doc3').length + 50);
    expect(index.slots).toBeLessThan(items.length);

    const fresh = new KbMemoryIndex(1, 0);
    items.forEach((item, i) => {
      if (item.doc !== 'doc1' && item.doc !== 'doc3') fresh.add(chunkOf(item, i + 1));
    });
    readded.forEach((item, i) => {
      fresh.add(chunkOf(item, 6000 + i));
    });
    for (const query of ['kafka offset', 'replica leader topic', '大学']) {
      const terms = analyze(query);
      const a = index.searchLexical(terms, 20);
      const b = fresh.searchLexical(terms, 20);
      expect(a.map((r) => r.seq)).toEqual(b.map((r) => r.seq));
      a.forEach((r, i) => {
        expect(r.score).toBeCloseTo(b[i]!.score, 6);
      });
    }
  });

  it('limits results to allowed documents without changing document frequencies', () => {
    const items = corpus(200, 3);
    const index = new KbMemoryIndex(1, 0);
    items.forEach((item, i) => {
      index.add(chunkOf(item, i + 1));
    });
    const all = index.searchLexical(analyze('kafka'), 500);
    const only = index.searchLexical(analyze('kafka'), 500, new Set(['doc2']));
    expect(only.length).toBeGreaterThan(0);
    expect(only).toEqual(all.filter((r) => items[r.seq - 1]!.doc === 'doc2'));
    expect(index.searchLexical(analyze('kafka'), 5, new Set(['doc_missing']))).toEqual([]);
  });

  it('finds the nearest vectors by cosine similarity, exactly', () => {
    const random = rng(5);
    const dims = 16;
    const items = corpus(500, 9);
    const vectors = items.map(() => Array.from({ length: dims }, () => random() * 2 - 1));
    const index = new KbMemoryIndex(1, dims);
    items.forEach((item, i) => {
      index.add(chunkOf(item, i + 1, vectors[i]));
    });
    const query = Array.from({ length: dims }, () => random() * 2 - 1);
    const cosine = (a: number[], b: number[]) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        na += a[i]! * a[i]!;
        nb += b[i]! * b[i]!;
      }
      return dot / Math.sqrt(na * nb);
    };
    const expected = vectors
      .map((v, i) => ({ seq: i + 1, score: cosine(v, query) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    const got = index.searchVector(query, 10);
    expect(got.map((r) => r.seq)).toEqual(expected.map((r) => r.seq));
    got.forEach((r, i) => {
      expect(r.score).toBeCloseTo(expected[i]!.score, 5);
    });
    expect(index.searchVector(query.slice(0, 4), 10)).toEqual([]);
    expect(new KbMemoryIndex(1, 0).searchVector(query, 3)).toEqual([]);
  });
});

describe('IndexCache', () => {
  function database() {
    const rows: IndexDeltaRow[] = [];
    let seq = 0;
    let reads = 0;
    return {
      rows,
      get reads() {
        return reads;
      },
      addChunk(kbDoc: string, body: string, embeddingVersion = 1) {
        const { tf, length } = fieldTermFrequencies({ body });
        rows.push({
          kind: 'chunk',
          seq: ++seq,
          documentId: kbDoc,
          lexical: encodeLexical(tf),
          length,
          embeddingVersion,
          vector: new Float32Array([1, 0]),
        });
        return seq;
      },
      remove(kbDoc: string) {
        rows.push({ kind: 'removal', seq: ++seq, documentId: kbDoc });
      },
      load: async (_kb: unknown, after: number, limit: number) => {
        reads++;
        return rows.filter((r) => r.seq > after).slice(0, limit);
      },
    };
  }

  it('catches up from the last seq it applied when the generation moves, in pages', async () => {
    const db = database();
    const cache = new IndexCache({ maxSlots: 1000, withVectors: true, pageSize: 2 }, db.load);
    db.addChunk('d1', 'kafka streams');
    db.addChunk('d1', 'kafka brokers');
    db.addChunk('d2', 'postgres tables');
    const kb = {
      id: 'kb1',
      tenant_id: 'ten_1',
      index_generation: 1,
      embedding_version: 1,
      embedding_dims: 2,
    };
    const first = await cache.get(kb);
    expect(first.size).toBe(3);
    expect(db.reads).toBe(2);
    // Same generation: no database read.
    await cache.get(kb);
    expect(db.reads).toBe(2);
    db.remove('d1');
    db.addChunk('d1', 'kafka replicas');
    const second = await cache.get({ ...kb, index_generation: 2 });
    expect(second).toBe(first);
    expect(second.size).toBe(2);
    expect(second.searchLexical(analyze('kafka'), 5).map((r) => r.seq)).toEqual([5]);
    expect(second.searchVector([1, 0], 5)).toHaveLength(2);
  });

  it('rebuilds when the embedding model changes, keeping only vectors of the new model', async () => {
    const db = database();
    const cache = new IndexCache({ maxSlots: 1000, withVectors: true }, db.load);
    db.addChunk('d1', 'old model chunk', 1);
    const kb = {
      id: 'kb1',
      tenant_id: 'ten_1',
      index_generation: 1,
      embedding_version: 1,
      embedding_dims: 2,
    };
    const before = await cache.get(kb);
    db.addChunk('d2', 'new model chunk', 2);
    const after = await cache.get({ ...kb, index_generation: 2, embedding_version: 2 });
    expect(after).not.toBe(before);
    expect(after.size).toBe(2);
    expect(after.searchVector([1, 0], 5).map((r) => r.seq)).toEqual([2]);
  });

  it('shares one catch-up between concurrent searches and drops the least recently used over budget', async () => {
    const db = database();
    const cache = new IndexCache({ maxSlots: 3, withVectors: false }, db.load);
    for (let i = 0; i < 2; i++) db.addChunk('d', `chunk ${i}`);
    const kb = (id: string) => ({
      id,
      tenant_id: 'ten_1',
      index_generation: 1,
      embedding_version: 1,
      embedding_dims: null,
    });
    const [a, b] = await Promise.all([cache.get(kb('kbA')), cache.get(kb('kbA'))]);
    expect(a).toBe(b);
    expect(db.reads).toBe(1);
    await cache.get(kb('kbB'));
    expect(cache.slots).toBe(2);
    const again = await cache.get(kb('kbA'));
    expect(again).not.toBe(a);
  });

  it('drops indexes that were not searched for a while', async () => {
    const db = database();
    db.addChunk('d', 'chunk');
    const cache = new IndexCache({ maxSlots: 1000, withVectors: false, idleMs: 0 }, db.load);
    const kb = (id: string) => ({
      id,
      tenant_id: 'ten_1',
      index_generation: 1,
      embedding_version: 1,
      embedding_dims: null,
    });
    await cache.get(kb('kbA'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await cache.get(kb('kbB'));
    expect(cache.slots).toBe(1);
  });

  it('refuses a malformed lexical entry', () => {
    expect(() => decodeLexical('{"t":["a"],"f":[]}')).toThrow('malformed');
    expect(decodeLexical(encodeLexical(new Map([['a', 2]])))).toEqual({ t: ['a'], f: [2] });
  });
});
