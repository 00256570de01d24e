import type { Executor } from '../../platform/db/transaction.js';
import type { ChunksRepository, VectorStorage } from './chunks.repository.js';

/**
 * The HNSW indexes per embedding size (pgvector with `KB_VECTOR_SEARCH=hnsw`), built once per size and
 * process. On PostgreSQL they are built concurrently (writes go on); until one is ready, vector searches of
 * that size scan exactly. Otherwise there is nothing to build.
 */
export class VectorIndexes {
  private readonly built = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: {
      db: Executor;
      chunks: ChunksRepository;
      storage: () => VectorStorage;
      databaseKind: 'pglite' | 'postgres';
    },
  ) {}

  /** Resolves once the index for `dims` exists (or cannot exist: more than 4,000 dimensions). */
  ensure(dims: number): Promise<void> {
    if (this.deps.storage().search !== 'hnsw') return Promise.resolve();
    let pending = this.built.get(dims);
    if (!pending) {
      pending = this.deps.chunks
        .ensureVectorIndex(this.deps.db, dims, this.deps.databaseKind === 'postgres')
        .then(() => undefined)
        .catch((error: unknown) => {
          this.built.delete(dims);
          throw error;
        });
      this.built.set(dims, pending);
    }
    return pending;
  }
}
