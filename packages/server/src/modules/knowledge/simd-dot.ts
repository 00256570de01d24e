/**
 * Exact vector search's inner loop in WebAssembly SIMD: the dot products of one query with every row of a
 * float32 matrix, four lanes at a time (about four times the speed of the best plain JavaScript loop:
 * 100,000 × 256 dimensions in a few milliseconds instead of over thirty). The module is a few hundred
 * bytes, assembled here by hand rather than shipped as a binary; {@link SimdMatrix} falls back to plain
 * JavaScript where WebAssembly SIMD is missing.
 *
 * `scan(query, rows, count, stride, out)`: for each of `count` rows of `stride` floats starting at byte
 * `rows`, writes the dot product with the `stride` floats at `query` to the next float at `out`. `stride`
 * is a multiple of 8 (rows are zero-padded), so the loop takes eight floats a step in two accumulators.
 */
function scanModule(): Uint8Array {
  const i32 = 0x7f;
  const v128 = 0x7b;
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n !== 0) byte |= 0x80;
      out.push(byte);
    } while (n !== 0);
    return out;
  };
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const name = (text: string) => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
  const [q, v, count, stride, out, r, i, acc0, acc1] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const get = (x: number) => [0x20, x];
  const set = (x: number) => [0x21, x];
  const i32const = (n: number) => [0x41, n];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const v128load = (offset: number) => [...simd(0x00), 2, ...uleb(offset)];
  const f32x4add = simd(0xe4);
  const f32x4mul = simd(0xe6);
  const lane = (n: number) => [...simd(0x1f), n];
  const address = (base: number) => [...get(base), ...get(i), ...i32const(2), 0x74, 0x6a]; // base + i*4
  const code = [
    // block $done / loop $rows
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(r),
    ...get(count),
    0x4f,
    0x0d,
    1, // if r >= count: break $done
    ...simd(0x0c),
    ...new Array(16).fill(0),
    ...set(acc0),
    ...simd(0x0c),
    ...new Array(16).fill(0),
    ...set(acc1),
    ...i32const(0),
    ...set(i),
    // block $inner / loop $step
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(i),
    ...get(stride),
    0x4f,
    0x0d,
    1, // if i >= stride: break $inner
    ...get(acc0),
    ...address(q),
    ...v128load(0),
    ...address(v),
    ...v128load(0),
    ...f32x4mul,
    ...f32x4add,
    ...set(acc0),
    ...get(acc1),
    ...address(q),
    ...v128load(16),
    ...address(v),
    ...v128load(16),
    ...f32x4mul,
    ...f32x4add,
    ...set(acc1),
    ...get(i),
    ...i32const(8),
    0x6a,
    ...set(i),
    0x0c,
    0, // br $step
    0x0b,
    0x0b,
    // out[r] = sum of the lanes of acc0 + acc1
    ...get(acc0),
    ...get(acc1),
    ...f32x4add,
    ...set(acc0),
    ...get(out),
    ...get(r),
    ...i32const(2),
    0x74,
    0x6a,
    ...get(acc0),
    ...lane(0),
    ...get(acc0),
    ...lane(1),
    0x92,
    ...get(acc0),
    ...lane(2),
    0x92,
    ...get(acc0),
    ...lane(3),
    0x92,
    0x38,
    2,
    0, // f32.store
    ...get(v),
    ...get(stride),
    ...i32const(2),
    0x74,
    0x6a,
    ...set(v), // v += stride * 4
    ...get(r),
    ...i32const(1),
    0x6a,
    ...set(r),
    0x0c,
    0, // br $rows
    0x0b,
    0x0b,
    0x0b, // end of function
  ];
  const locals = [2, 2, i32, 2, v128];
  const body = [...locals, ...code];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 5, i32, i32, i32, i32, i32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('scan'), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

type Scan = (query: number, rows: number, count: number, stride: number, out: number) => void;

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => {
    exports: Record<string, unknown>;
  };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function simdModule(): object | null {
  if (compiled === undefined) {
    try {
      const bytes = scanModule();
      compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const PAGE = 65_536;

/**
 * A growable matrix of float32 rows (each `dims` long, padded to a multiple of 8) with a dot-product scan
 * of all rows against a query. Rows live in WebAssembly memory when SIMD is available.
 */
export class SimdMatrix {
  /** Floats per row in memory. */
  readonly stride: number;
  private rows = 0;
  private memory: WasmMemory | undefined;
  private scanFn: Scan | undefined;
  private data: Float32Array;

  /** `simd: false` forces the plain JavaScript loop (tests compare the two). */
  constructor(
    readonly dims: number,
    options: { simd?: boolean } = {},
  ) {
    this.stride = Math.ceil(dims / 8) * 8;
    const module = options.simd === false ? null : simdModule();
    if (wasm && module && dims > 0) {
      this.memory = new wasm.Memory({ initial: 1 });
      const instance = new wasm.Instance(module, { env: { memory: this.memory } });
      this.scanFn = instance.exports.scan as Scan;
    }
    this.data = this.memory ? new Float32Array(this.memory.buffer) : new Float32Array(0);
  }

  /** Whether the scan runs in WebAssembly SIMD (else plain JavaScript). */
  get simd(): boolean {
    return this.scanFn !== undefined;
  }

  get capacity(): number {
    return this.rows;
  }

  /** Makes room for `rows` rows (keeping what is there). */
  reserve(rows: number): void {
    if (rows <= this.rows) return;
    // Layout (floats): the query (one row), the rows, then the output (one float a row).
    const floats = this.stride + rows * this.stride + align8(rows);
    if (this.memory) {
      const needed = Math.ceil((floats * 4) / PAGE);
      const have = this.memory.buffer.byteLength / PAGE;
      try {
        // Growing keeps the memory's contents; views of the old buffer are detached and made again.
        if (needed > have) this.memory.grow(needed - have);
        this.data = new Float32Array(this.memory.buffer);
        this.rows = rows;
        return;
      } catch {
        // Past what 32-bit WebAssembly memory holds (4 GiB): go on in plain JavaScript.
        this.data = new Float32Array(this.memory.buffer);
        this.memory = undefined;
        this.scanFn = undefined;
      }
    }
    {
      const next = new Float32Array(floats);
      next.set(this.data.subarray(0, this.stride + this.rows * this.stride));
      this.data = next;
    }
    this.rows = rows;
  }

  /** Writes row `index` (zero-padded), multiplied by `scale`. */
  set(index: number, values: ArrayLike<number>, scale = 1): void {
    const offset = this.stride + index * this.stride;
    for (let i = 0; i < this.dims; i++) this.data[offset + i] = values[i]! * scale;
    this.data.fill(0, offset + this.dims, offset + this.stride);
  }

  /** Copies row `from` over row `to` (compaction). */
  move(from: number, to: number): void {
    const stride = this.stride;
    this.data.copyWithin(stride + to * stride, stride + from * stride, stride + (from + 1) * stride);
  }

  /**
   * The dot products of `query` (`dims` long) with rows 0 … `count` − 1, as a view that the next scan
   * overwrites.
   */
  scan(query: ArrayLike<number>, count: number): Float32Array {
    const n = Math.min(count, this.rows);
    const stride = this.stride;
    const outStart = stride + this.rows * stride;
    const data = this.data;
    for (let i = 0; i < this.dims; i++) data[i] = query[i]!;
    data.fill(0, this.dims, stride);
    if (this.scanFn) {
      this.scanFn(0, stride * 4, n, stride, outStart * 4);
      return data.subarray(outStart, outStart + n);
    }
    const out = data.subarray(outStart, outStart + n);
    for (let row = 0; row < n; row++) {
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      let o = stride + row * stride;
      for (let i = 0; i < stride; i += 4, o += 4) {
        a += data[i]! * data[o]!;
        b += data[i + 1]! * data[o + 1]!;
        c += data[i + 2]! * data[o + 2]!;
        d += data[i + 3]! * data[o + 3]!;
      }
      out[row] = a + b + c + d;
    }
    return out;
  }
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;
