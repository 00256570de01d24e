/** One page of a Nexus list, as the server answers it. */
export interface CursorPageData<T> {
  data: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** Fetches the page that starts at `cursor` (undefined: the first page). */
export type PageFetcher<T> = (cursor: string | undefined) => Promise<CursorPageData<T>>;

/**
 * One page of results, with a way to the next one. Iterating a page with `for await` goes through every
 * item from this page to the end of the list.
 * @example
 * let page = await client.files.list({ limit: 20 });
 * while (true) {
 *   for (const file of page.data) console.log(file.filename);
 *   if (!page.hasNextPage()) break;
 *   page = await page.getNextPage();
 * }
 */
export class CursorPage<T> implements CursorPageData<T>, AsyncIterable<T> {
  readonly data: T[];
  readonly next_cursor: string | null;

  constructor(
    page: CursorPageData<T>,
    private readonly fetchPage: PageFetcher<T>,
  ) {
    this.data = page.data;
    this.next_cursor = page.next_cursor ?? null;
  }

  /** True when the server gave a cursor for another page. @example if (page.hasNextPage()) page = await page.getNextPage(); */
  hasNextPage(): boolean {
    return this.next_cursor !== null;
  }

  /**
   * The next page; throws when there is none (check {@link hasNextPage} first).
   * @example const second = await (await client.tasks.list()).getNextPage();
   */
  async getNextPage(): Promise<CursorPage<T>> {
    if (this.next_cursor === null) throw new Error('This is the last page: there is no next page');
    return new CursorPage(await this.fetchPage(this.next_cursor), this.fetchPage);
  }

  /** This page and every page after it. @example for await (const page of firstPage.pages()) console.log(page.data.length); */
  async *pages(): AsyncGenerator<CursorPage<T>, void, undefined> {
    let page: CursorPage<T> = this;
    while (true) {
      yield page;
      if (!page.hasNextPage()) return;
      page = await page.getNextPage();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }
}

/**
 * What every `list` method returns: await it for the first page, or iterate it with `for await` to get
 * every item of every page (the next page is fetched when the current one is used up).
 * @example
 * const first = await client.conversations.list({ limit: 10 }); // CursorPage: data, next_cursor
 * for await (const conversation of client.conversations.list()) console.log(conversation.title); // all
 */
export class PagePromise<T> implements PromiseLike<CursorPage<T>>, AsyncIterable<T> {
  private first: Promise<CursorPage<T>> | undefined;

  constructor(private readonly fetchPage: PageFetcher<T>) {}

  private firstPage(): Promise<CursorPage<T>> {
    this.first ??= this.fetchPage(undefined).then((page) => new CursorPage(page, this.fetchPage));
    return this.first;
  }

  // biome-ignore lint/suspicious/noThenProperty: a list is awaitable for its first page, as in other SDKs
  then<R1 = CursorPage<T>, R2 = never>(
    onfulfilled?: ((value: CursorPage<T>) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.firstPage().then(onfulfilled, onrejected);
  }

  /** Every page, starting with the first. @example for await (const page of client.files.list().pages()) console.log(page.data.length); */
  async *pages(): AsyncGenerator<CursorPage<T>, void, undefined> {
    yield* (await this.firstPage()).pages();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this.firstPage();
  }
}
