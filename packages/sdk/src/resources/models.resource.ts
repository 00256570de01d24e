import { type CursorPageData, PagePromise } from '../core/pagination.js';
import type { RequestOptions } from '../core/transport.js';
import type { Model } from '../types.js';
import { APIResource } from './resource.js';

/**
 * Models the caller can use (`GET /v1/models`, OpenAI's format).
 * @example for await (const model of client.models.list()) console.log(model.id, model.owned_by);
 */
export class Models extends APIResource {
  /**
   * `GET /v1/models`: one page holding every model. Await it (`.data`) or iterate it with `for await`.
   * @example const { data } = await client.models.list(); // [{ id: 'local', object: 'model', … }, …]
   */
  list(options?: RequestOptions): PagePromise<Model> {
    return new PagePromise(async () => {
      const list = await this.transport.json<{ data: Model[] }>(
        { method: 'GET', path: '/v1/models' },
        options,
      );
      return { data: list.data, next_cursor: null } satisfies CursorPageData<Model>;
    });
  }
}
