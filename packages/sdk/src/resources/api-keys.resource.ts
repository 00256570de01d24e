import { PagePromise } from '../core/pagination.js';
import type { RequestOptions } from '../core/transport.js';
import type { ApiKey, ApiKeyCreateParams, ApiKeyWithSecret } from '../types.js';
import { APIResource, seg } from './resource.js';

/**
 * API keys of the current tenant (`api_keys:read`, `api_keys:write`). A key never does more than its
 * scopes and its creator's role allow.
 * @example
 * const asUser = new NexusAI({ apiKey: accessToken }); // creating keys needs a user login
 * const key = await asUser.apiKeys.create({ name: 'ci', scopes: ['tasks:read', 'tasks:write'] });
 * console.log(key.secret); // nx-… — shown this once
 */
export class ApiKeys extends APIResource {
  /**
   * `POST /v1/api-keys`: answers the key with its `nx-` secret, which is never shown again. Needs a user
   * login (a client whose `apiKey` is an access token): an API key cannot create keys (403).
   * @example const key = await client.apiKeys.create({ name: 'reporting', scopes: ['usage:read'], expires_at: '2027-01-01T00:00:00Z' });
   */
  create(params: ApiKeyCreateParams, options?: RequestOptions): Promise<ApiKeyWithSecret> {
    return this.transport.json<ApiKeyWithSecret>(
      { method: 'POST', path: '/v1/api-keys', body: params },
      options,
    );
  }

  /**
   * `GET /v1/api-keys`: prefix, scopes, creator, last use, expiry and revocation (never the secret).
   * @example for await (const key of client.apiKeys.list()) console.log(key.name, key.prefix, key.revoked_at);
   */
  list(options?: RequestOptions): PagePromise<ApiKey> {
    return new PagePromise((cursor) =>
      this.transport.json({ method: 'GET', path: '/v1/api-keys', query: cursor ? { cursor } : {} }, options),
    );
  }

  /**
   * `DELETE /v1/api-keys/:id`: revokes the key at once on every instance; answers it with `revoked_at`.
   * @example const revoked = await client.apiKeys.revoke('key_01jd8x3k5q9v7w2m4n6p8r0s1t');
   */
  revoke(id: string, options?: RequestOptions): Promise<ApiKey> {
    return this.transport.json<ApiKey>({ method: 'DELETE', path: `/v1/api-keys/${seg(id)}` }, options);
  }
}
