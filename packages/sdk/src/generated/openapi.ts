/**
 * Types of the Nexus HTTP API, generated from the server's GET /openapi.json by openapi-typescript.
 * Do not edit: run `npm run sdk:generate` (packages/sdk/scripts/generate-types.ts) after changing a route.
 */
export interface paths {
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness: the process is up
     * @description Query parameters are ignored (some load balancers add cache busters).
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              status: 'ok';
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Readiness: the database and the cache answer
     * @description Answers 503 naming the failing dependency (or `draining` during shutdown). Query parameters are ignored.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Readiness'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Readiness'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Version, schema version and backing services of this instance */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['PlatformStatus'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/register': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create an account (and its personal tenant) and log in */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: email
             * @example ada@example.com
             */
            email: string;
            password: string;
            display_name?: string;
            device_name?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              access_token: string;
              refresh_token: string;
              /** @enum {string} */
              token_type: 'Bearer';
              /** @description Access token lifetime in seconds */
              expires_in: number;
              session_id: string;
              user_id: string;
              user: components['schemas']['User'];
              tenant_id: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Log in with email and password; opens a device session */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: email
             * @example ada@example.com
             */
            email: string;
            password: string;
            device_name?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['TokenPair'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/wechat': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Log in from a WeChat mini-program with a wx.login() code */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            code: string;
            device_name?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              access_token: string;
              refresh_token: string;
              /** @enum {string} */
              token_type: 'Bearer';
              /** @description Access token lifetime in seconds */
              expires_in: number;
              session_id: string;
              user_id: string;
              created: boolean;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Exchange a refresh token for a new token pair (the old refresh token is used up) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            refresh_token: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['TokenPair'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Revoke the current session */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/logout-all': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Revoke every session of the current user */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              revoked: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/password-reset/request': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Email a single-use reset token (always answers 202: never reveals whether the email exists) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * Format: email
             * @example ada@example.com
             */
            email: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              status: 'accepted';
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/auth/password-reset/confirm': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Set a new password with a reset token; revokes every session */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            token: string;
            new_password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The current user and the tenants they belong to */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: components['schemas']['User'];
              tenants: {
                id: string;
                name: string;
                role: string;
                status: string;
              }[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/password': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Change the password; revokes every other session */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            current_password: string;
            new_password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Active device sessions */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['Session'][];
              next_cursor: null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke one session; its access tokens stop working immediately */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ses_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/permissions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What the caller may do in a tenant (X-Nexus-Tenant, or the default tenant) */
    get: {
      parameters: {
        query?: {
          /** @description A `ten_` id */
          tenant_id?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tenant_id: string;
              role: string | null;
              permissions: (
                | 'tenant:read'
                | 'tenant:update'
                | 'members:read'
                | 'members:invite'
                | 'members:update'
                | 'members:remove'
                | 'roles:read'
                | 'roles:write'
                | 'api_keys:read'
                | 'api_keys:write'
                | 'audit:read'
                | 'chat:read'
                | 'chat:write'
                | 'kb:read'
                | 'kb:write'
                | 'files:read'
                | 'files:write'
                | 'tasks:read'
                | 'tasks:write'
                | 'usage:read'
              )[];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Tenants the caller belongs to, with their role */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: {
                id: string;
                name: string;
                slug: string;
                /** @enum {string} */
                status: 'active' | 'disabled';
                /**
                 * Format: date-time
                 * @example 2026-11-24T18:00:00.000Z
                 */
                created_at: string;
                role: string;
              }[];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Create a tenant; the caller becomes its owner */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Tenant'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One tenant */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Tenant'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Rename a tenant */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Tenant'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/v1/tenants/{id}/members': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Members and their roles */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['Member'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/members/{user_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Remove a member (or leave) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
          /** @description A `usr_` id */
          user_id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Change a member's role */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
          /** @description A `usr_` id */
          user_id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            role: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/v1/tenants/{id}/invites': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Invites of a tenant */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['Invite'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Invite someone with a role; the token is shown once */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            role: string;
            /** Format: email */
            email?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              role: string;
              email: string | null;
              /** @enum {string} */
              status: 'pending' | 'accepted' | 'revoked' | 'expired';
              /**
               * Format: date-time
               * @example 2026-11-24T18:00:00.000Z
               */
              created_at: string;
              /**
               * Format: date-time
               * @example 2026-11-24T18:00:00.000Z
               */
              expires_at: string;
              token: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/invites/{invite_id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke a pending invite */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
          /** @description A `inv_` id */
          invite_id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invites/accept': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Join a tenant with an invite token (works once) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            token: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tenant: components['schemas']['Tenant'];
              role: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/tenants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** All tenants (platform admin) */
    get: {
      parameters: {
        query?: {
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['Tenant'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Create a tenant (platform admin), owned by the admin or by owner_user_id */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /**
             * @description A `usr_` id
             * @example usr_01jd8x3k5q9v7w2m4n6p8r0s1t
             */
            owner_user_id?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Tenant'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/tenants/{id}/disable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Disable a tenant (platform admin) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Tenant'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/users/{id}/disable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Disable a user and revoke all their sessions (platform admin) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `usr_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['User'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/tenants/{id}/enable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Enable a tenant (platform admin) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Tenant'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/users/{id}/enable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Enable a user (platform admin) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `usr_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['User'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** All users (platform admin) */
    get: {
      parameters: {
        query?: {
          cursor?: string;
          limit?: number;
          email?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['User'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/roles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Built-in and custom roles */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['Role'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Create a custom role from permissions */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            description?: string;
            permissions: (
              | 'tenant:read'
              | 'tenant:update'
              | 'members:read'
              | 'members:invite'
              | 'members:update'
              | 'members:remove'
              | 'roles:read'
              | 'roles:write'
              | 'api_keys:read'
              | 'api_keys:write'
              | 'audit:read'
              | 'chat:read'
              | 'chat:write'
              | 'kb:read'
              | 'kb:write'
              | 'files:read'
              | 'files:write'
              | 'tasks:read'
              | 'tasks:write'
              | 'usage:read'
            )[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Role'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/roles/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete an unused custom role */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `role_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Change a custom role */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `role_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            permissions?: (
              | 'tenant:read'
              | 'tenant:update'
              | 'members:read'
              | 'members:invite'
              | 'members:update'
              | 'members:remove'
              | 'roles:read'
              | 'roles:write'
              | 'api_keys:read'
              | 'api_keys:write'
              | 'audit:read'
              | 'chat:read'
              | 'chat:write'
              | 'kb:read'
              | 'kb:write'
              | 'files:read'
              | 'files:write'
              | 'tasks:read'
              | 'tasks:write'
              | 'usage:read'
            )[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Role'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/v1/api-keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's API keys (secrets are never shown again) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['ApiKey'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Create an API key; the `nx-` secret is in this response only */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            scopes: (
              | 'tenant:read'
              | 'tenant:update'
              | 'members:read'
              | 'members:invite'
              | 'members:update'
              | 'members:remove'
              | 'roles:read'
              | 'roles:write'
              | 'api_keys:read'
              | 'api_keys:write'
              | 'audit:read'
              | 'chat:read'
              | 'chat:write'
              | 'kb:read'
              | 'kb:write'
              | 'files:read'
              | 'files:write'
              | 'tasks:read'
              | 'tasks:write'
              | 'usage:read'
            )[];
            /** Format: date-time */
            expires_at?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              /** @description First characters of the secret, to recognise it */
              prefix: string;
              scopes: string[];
              created_by: string;
              /**
               * Format: date-time
               * @example 2026-11-24T18:00:00.000Z
               */
              created_at: string;
              expires_at: string | null;
              last_used_at: string | null;
              revoked_at: string | null;
              secret: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/api-keys/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke an API key; it stops working immediately */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `key_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ApiKey'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audit-events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's audit log, newest first (needs audit:read) */
    get: {
      parameters: {
        query?: {
          action?: string;
          actor_id?: string;
          result?: 'success' | 'failure';
          since?: string;
          until?: string;
          /** @description A `evt_` id */
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['AuditEvent'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/audit-events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The whole audit log, including platform-level events (platform admin) */
    get: {
      parameters: {
        query?: {
          action?: string;
          actor_id?: string;
          result?: 'success' | 'failure';
          since?: string;
          until?: string;
          /** @description A `evt_` id */
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['AuditEvent'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Models this caller can use (OpenAI format) */
    get: {
      parameters: {
        query?: {
          /** @description Nexus extension: only models of this kind (chat, embedding, image, speech, transcription) */
          kind?: 'chat' | 'embedding' | 'image' | 'speech' | 'transcription';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/images/generations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Generate images with an image model (OpenAI format; base64 PNG from local-image) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            model?: string | null;
            prompt: string;
            n?: number | null;
            size?: string | null;
            response_format?: ('b64_json' | 'url') | null;
            quality?: string | null;
            style?: string | null;
            user?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audio/speech': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Text to speech with a speech model: WAV audio (OpenAI format) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            model: string;
            input: string;
            voice?:
              | string
              | {
                  id: string;
                };
            response_format?: ('mp3' | 'opus' | 'aac' | 'flac' | 'wav' | 'pcm') | null;
            speed?: number | null;
            stream_format?: ('audio' | 'sse') | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/audio/transcriptions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Speech to text with a transcription model (OpenAI format, multipart/form-data)
     * @description Fields: `file` (the audio), `model`, optional `language` (ISO-639-1) and `response_format` (json or text).
     */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/chat/completions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Chat completion, streaming (SSE) or not, routed through the gateway (OpenAI format) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            model: string;
            messages: ({
              /** @enum {string} */
              role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
              content?:
                | string
                | ({
                    type: string;
                  } & {
                    [key: string]: unknown;
                  })[]
                | null;
              name?: string;
              tool_calls?: ({
                id: string;
                /** @enum {string} */
                type: 'function';
                function: {
                  name: string;
                  arguments: string;
                } & {
                  [key: string]: unknown;
                };
              } & {
                [key: string]: unknown;
              })[];
              tool_call_id?: string;
            } & {
              [key: string]: unknown;
            })[];
            stream?: boolean | null;
            stream_options?:
              | ({
                  include_usage?: boolean;
                } & {
                  [key: string]: unknown;
                })
              | null;
            temperature?: number | null;
            top_p?: number | null;
            n?: 1 | null;
            max_tokens?: number | null;
            max_completion_tokens?: number | null;
            stop?: (string | string[]) | null;
            seed?: number | null;
            presence_penalty?: number | null;
            frequency_penalty?: number | null;
            logit_bias?: {
              [key: string]: number;
            } | null;
            user?: string;
            tools?: ({
              /** @enum {string} */
              type: 'function';
              function: {
                name: string;
                description?: string;
              } & {
                [key: string]: unknown;
              };
            } & {
              [key: string]: unknown;
            })[];
            tool_choice?:
              | ('none' | 'auto' | 'required')
              | ({
                  /** @enum {string} */
                  type: 'function';
                  function: {
                    name: string;
                  };
                } & {
                  [key: string]: unknown;
                });
            parallel_tool_calls?: boolean;
            response_format?: {
              /** @enum {string} */
              type: 'text' | 'json_object' | 'json_schema';
            } & {
              [key: string]: unknown;
            };
          } & {
            [key: string]: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/embeddings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Embeddings (OpenAI format) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            model: string;
            input: string | string[] | number[] | number[][];
            /** @enum {string} */
            encoding_format?: 'float' | 'base64';
            dimensions?: number;
            user?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Global model entries (database, file, built-in) and the OPENAI_BASE_URL passthrough */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['ModelEntry'][];
              next_cursor: string | null;
              /** @description The catalog version this instance serves */
              version: number;
              /** @description OPENAI_BASE_URL + OPENAI_API_KEY: serves any model name the catalog lacks */
              passthrough: {
                id?: string;
                /** @enum {string} */
                provider: 'openai-compatible' | 'anthropic' | 'local';
                model: string;
                /** Format: uri */
                base_url?: string;
                api_key_env?: string;
                /** @default 1 */
                weight: number;
                rpm?: number;
                tpm?: number;
                /**
                 * @default {
                 *       "input": 0,
                 *       "output": 0
                 *     }
                 */
                price: {
                  /** @description Price per million input tokens */
                  input: number;
                  /** @description Price per million output tokens */
                  output: number;
                };
                /** @default true */
                stream_usage: boolean;
              } | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/models/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Create or replace a global model entry (platform admin) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['ModelEntrySpecInput'];
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ModelEntry'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ModelEntry'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    /** Delete a global model entry (platform admin) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's own model entries (chat:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['ModelEntry'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/models/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Create or replace a model entry only this tenant sees (tenant:update) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
          name: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['ModelEntrySpecInput'];
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ModelEntry'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ModelEntry'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    /** Delete one of the tenant's model entries (tenant:update) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/me/features': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller’s feature flags, evaluated, with the config version that applies to them */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Features'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/config/versions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Config versions, newest first, with the active and canary state */
    get: {
      parameters: {
        query?: {
          limit?: number;
          /** @description next_cursor of the previous page */
          cursor?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['ConfigVersion'][];
              next_cursor: string | null;
              state: components['schemas']['ConfigState'];
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Store a new runtime config version (immutable; not active until activated) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            document: components['schemas']['RuntimeConfigDocumentInput'];
            /** @description Why: shown in the history */
            message: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigVersion'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/config/versions/{n}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One config version with its document and its diff against the previous version */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description The version number */
          n: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigVersion'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/config/versions/{n}/activate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Activate a version for everybody (an earlier one: rollback); ends a running canary */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description The version number */
          n: number;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigState'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/config/versions/{n}/canary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Serve a version to a percentage of users (stable hash of the user id); the rest keep the active one */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description The version number */
          n: number;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            percent: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigState'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/config/canary/promote': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Make the canary version active for everybody */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigState'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/config/canary/rollback': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** End the canary: everybody is back on the active version */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConfigState'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/config/active': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The active version (null before any activation, with the default document) and the canary */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              state: components['schemas']['ConfigState'];
              version: components['schemas']['ConfigVersion'] | null;
              document: components['schemas']['RuntimeConfigDocument'];
              /** @description The state revision this instance serves */
              served_revision: number;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/gateway-settings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's gateway settings and response cache hit/miss counts */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['GatewaySettings'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /** Replace the tenant's gateway settings (response cache mode and TTL) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            response_cache: 'off' | 'exact' | 'semantic';
            cache_ttl_s?: number | null;
            pii_masking?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['GatewaySettings'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/quotas': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's plans, usage, limits and reset times in the tenant it acts in */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['QuotaStatus'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/quotas': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A tenant's plan, usage and limits (usage:read, or a platform admin); with user_id, a member's too */
    get: {
      parameters: {
        query?: {
          /** @description A `usr_` id */
          user_id?: string;
        };
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['QuotaStatus'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/plans': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every quota plan (platform admin) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['QuotaPlan'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Create a quota plan (platform admin); absent or null budgets are unlimited */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            tokens_per_day?: number | null;
            tokens_per_month?: number | null;
            requests_per_day?: number | null;
            requests_per_month?: number | null;
            max_tokens?: number | null;
            /** @example vip */
            name: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['QuotaPlan'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/plans/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Change a plan's budgets or cap (platform admin); null makes one unlimited */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            description?: string;
            tokens_per_day?: number | null;
            tokens_per_month?: number | null;
            requests_per_day?: number | null;
            requests_per_month?: number | null;
            max_tokens?: number | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['QuotaPlan'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/v1/admin/tenants/{id}/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Set a tenant's plan (platform admin) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @example vip */
            plan: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tenant_id: string;
              plan: string;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/tenants/{id}/users/{userId}/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Give a member their own plan in the tenant; null: back to the tenant's (platform admin) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
          /** @description A `usr_` id */
          userId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            plan: string | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tenant_id: string;
              user_id: string;
              plan: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/members/{userId}/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Give a member their own plan in the tenant; null: back to the tenant's (members:update). The tenant's plan still caps the whole tenant */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
          /** @description A `usr_` id */
          userId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            plan: string | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tenant_id: string;
              user_id: string;
              plan: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/admin/tenants/{id}/top-ups': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Grant extra tokens and/or requests for the current day or month (platform admin) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * @description A member; absent: the whole tenant
             * @example usr_01jd8x3k5q9v7w2m4n6p8r0s1t
             */
            user_id?: string;
            /** @enum {string} */
            period: 'day' | 'month';
            tokens?: number;
            requests?: number;
            reason?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['QuotaTopUp'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/usage': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Tokens, requests and cost per day × model × user × API key, filtered (usage:read) */
    get: {
      parameters: {
        query?: {
          /** @description A UTC day, YYYY-MM-DD (inclusive) */
          from?: string;
          /** @description A UTC day, YYYY-MM-DD (inclusive) */
          to?: string;
          model?: string;
          /** @description A `usr_` id */
          user_id?: string;
          /** @description A `key_` id */
          api_key_id?: string;
          /** @description Comma-separated: day, model, user, api_key (default day,model) */
          group_by?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Usage'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/usage/analytics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Tenant analytics over a range: totals and error rate, top users, cost by model, errors (usage:read) */
    get: {
      parameters: {
        query?: {
          /** @description A UTC day, YYYY-MM-DD (inclusive) */
          from?: string;
          /** @description A UTC day, YYYY-MM-DD (inclusive) */
          to?: string;
          model?: string;
          /** @description A `usr_` id */
          user_id?: string;
          /** @description A `key_` id */
          api_key_id?: string;
          top?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['UsageAnalytics'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/ip-allowlist': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's IP allowlist (empty: every address may call) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['IpAllowlist'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /** Replace the tenant's IP allowlist: IPv4/IPv6 addresses and CIDR ranges. A list without the caller's own address is refused unless `force` is true. */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            entries: string[];
            force?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['IpAllowlist'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's conversations, most recently active first (chat:read) */
    get: {
      parameters: {
        query?: {
          /** @description true: only archived; false: only not archived */
          archived?: 'true' | 'false';
          pinned?: 'true' | 'false';
          updated_since?: string;
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['Conversation'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Create a conversation (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description A chat model from GET /v1/models */
            model: string;
            title?: string;
            system_prompt?: string | null;
            params?: components['schemas']['ConversationParamsInput'];
            /** @description Knowledge bases every turn retrieves from (the tenant must have each one) */
            knowledge_base_ids?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Conversation'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/search': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Full-text search over titles and messages, Chinese and English (chat:read) */
    get: {
      parameters: {
        query: {
          q: string;
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['ConversationSearchHit'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** All of the caller’s conversations as one zip: a JSON and a Markdown file each (chat:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description application/zip */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/import': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create a conversation from an exported JSON document (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            format: 'nexus.conversation';
            /** @enum {number} */
            version: 1;
            /** Format: date-time */
            exported_at?: string;
            conversation: {
              id?: string;
              /** @default  */
              title?: string;
              /**
               * @default default
               * @enum {string}
               */
              title_source?: 'default' | 'auto' | 'user';
              model: string;
              /** @default null */
              system_prompt?: string | null;
              params?: components['schemas']['ConversationParamsInput'];
              /** @default [] */
              knowledge_base_ids?: string[];
              /** @default false */
              pinned?: boolean;
              /** @default null */
              archived_at?: string | null;
              /** @default null */
              active_leaf_id?: string | null;
              /** Format: date-time */
              created_at?: string;
              /** Format: date-time */
              updated_at?: string;
            };
            messages: {
              id: string;
              parent_id: string | null;
              /** @enum {string} */
              role: 'system' | 'user' | 'assistant' | 'tool';
              content: string;
              /**
               * @default completed
               * @enum {string}
               */
              status?: 'streaming' | 'completed' | 'cancelled' | 'failed';
              /** @default null */
              error?: {
                code: string;
                message: string;
              } | null;
              /** @default null */
              model?: string | null;
              /** @default null */
              usage?: {
                input_tokens: number;
                output_tokens: number;
              } | null;
              /** @default null */
              context?: {
                [key: string]: unknown;
              } | null;
              /** @default null */
              citations?: unknown[] | null;
              /** @default null */
              feedback?: {
                rating: ('up' | 'down') | null;
                /** @default null */
                comment?: string | null;
                /** @default null */
                at?: string | null;
              } | null;
              /** Format: date-time */
              created_at?: string;
            }[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Conversation'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One conversation (chat:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Conversation'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a conversation (soft delete; purged later) (chat:write) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Rename, pin, archive/unarchive, or change the model, system prompt or parameters (chat:write) */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description A new title; the automatic title never overwrites it. Empty: back to the default */
            title?: string;
            model?: string;
            system_prompt?: string | null;
            params?: components['schemas']['ConversationParamsInput'];
            knowledge_base_ids?: string[];
            pinned?: boolean;
            archived?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Conversation'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/v1/conversations/{id}/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Export: JSON (every branch, re-importable) or Markdown (the active branch) (chat:read) */
    get: {
      parameters: {
        query?: {
          format?: 'json' | 'markdown';
        };
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The export document (JSON) or text/markdown */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/{id}/messages': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The active branch, oldest first, with each message’s siblings (chat:read) */
    get: {
      parameters: {
        query?: {
          /** @description A `msg_` id */
          cursor?: string;
          limit?: number;
          /** @description asc: oldest first (default); desc: newest first, older pages next */
          order?: 'asc' | 'desc';
        };
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['ConversationMessage'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Send a message and generate the reply, streamed (SSE) or not (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            content: string;
            /** @description Answer on a new branch below this message (null: a new root); default: the active leaf */
            parent_id?: string | null;
            /**
             * @description true: answer with server-sent events; false: wait and answer the saved messages
             * @default false
             */
            stream?: boolean;
            /**
             * @description Keep generating and saving the reply when the client goes away (false: cancel it)
             * @default true
             */
            continue_on_disconnect?: boolean;
            params?: components['schemas']['ConversationParamsInput'];
          };
        };
      };
      responses: {
        /** @description With `stream: true`, or on the stream route: `text/event-stream` — message.created, response.output_text.delta, response.usage, then response.completed, response.cancelled or error (see docs/conversations.md) */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConversationReply'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        502: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/{id}/messages/{msgId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One message, on any branch (chat:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConversationMessage'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a message and everything below it; answers the conversation (chat:write) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Conversation'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Edit a user message: a sibling with the new content (a new branch) and its reply (chat:write) */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            content: string;
            /**
             * @description true: answer with server-sent events; false: wait and answer the saved messages
             * @default false
             */
            stream?: boolean;
            /**
             * @description Keep generating and saving the reply when the client goes away (false: cancel it)
             * @default true
             */
            continue_on_disconnect?: boolean;
            params?: components['schemas']['ConversationParamsInput'];
          };
        };
      };
      responses: {
        /** @description With `stream: true`, or on the stream route: `text/event-stream` — message.created, response.output_text.delta, response.usage, then response.completed, response.cancelled or error (see docs/conversations.md) */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConversationReply'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/v1/conversations/{id}/messages/{msgId}/activate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Switch to the branch containing this message (its newest continuation) (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ActiveBranch'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/{id}/messages/{msgId}/feedback': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Thumbs up/down with an optional comment on an assistant message; rating null clears (chat:write) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            rating: ('up' | 'down') | null;
            comment?: string | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConversationMessage'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/files': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's files, newest first (files:read) */
    get: {
      parameters: {
        query?: {
          purpose?: 'document' | 'audio' | 'image' | 'video';
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['File'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /**
     * Upload a file (files:write)
     * @description multipart/form-data with the field `purpose` (document, audio, image, video) followed by the field `file`. The type is detected from the content and must agree with the file name’s extension; see docs/files.md.
     */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['File'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/files/batch': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Upload several files in one request (files:write)
     * @description multipart/form-data with the field `purpose`, then one or more fields `file` (at most FILES_BATCH_MAX_FILES, default 20; more answers 400 `batch_too_large` and stores nothing). Each file gets exactly the checks of `POST /v1/files` and its own result in `data`, in the order sent: a refused file does not fail the others. See docs/files.md.
     */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['FileBatch'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/files/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One file (files:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `file_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['File'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a file (files:write); 409 file_in_use while something uses it */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `file_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/files/{id}/content': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Download the content (files:read, or a signed link from POST …/download-url)
     * @description Supports a single `Range: bytes=…` (206). With `tenant`, `expires` and `signature` (a signed link) no credentials are needed.
     */
    get: {
      parameters: {
        query?: {
          tenant?: string;
          expires?: string;
          signature?: string;
        };
        header?: never;
        path: {
          /** @description A `file_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The file content */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description The requested range */
        206: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        416: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/files/{id}/download-url': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** An expiring link to the content that works without credentials (files:read) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `file_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * @description Seconds the link works (default 3600, at most 604800 = 7 days)
             * @default 3600
             */
            expires_in?: number;
          } | null;
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['FileDownloadLink'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tenants/{id}/file-settings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's upload size limit (tenant:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['FileSettings'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /** Set the tenant's upload size limit, up to FILES_MAX_BYTES_CEILING (tenant:update) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `ten_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description The tenant's upload size limit in bytes; null: the platform default */
            max_file_bytes: number | null;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['FileSettings'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/{id}/messages/{msgId}/regenerate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** A new reply to the same user message, as a sibling of this reply (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /**
             * @description true: answer with server-sent events; false: wait and answer the saved messages
             * @default false
             */
            stream?: boolean;
            /**
             * @description Keep generating and saving the reply when the client goes away (false: cancel it)
             * @default true
             */
            continue_on_disconnect?: boolean;
            params?: components['schemas']['ConversationParamsInput'];
          };
        };
      };
      responses: {
        /** @description With `stream: true`, or on the stream route: `text/event-stream` — message.created, response.output_text.delta, response.usage, then response.completed, response.cancelled or error (see docs/conversations.md) */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConversationReply'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        502: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/{id}/messages/{msgId}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Stop a reply being generated, on whatever instance runs it; answers it as saved (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ConversationMessage'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/conversations/{id}/messages/{msgId}/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The reply’s events: what was missed after Last-Event-ID (header or last_event_id), then live (chat:read) */
    get: {
      parameters: {
        query?: {
          /** @description Resume after this event id (what the Last-Event-ID header also carries) */
          last_event_id?: string;
        };
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
          /** @description A `msg_` id */
          msgId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description With `stream: true`, or on the stream route: `text/event-stream` — message.created, response.output_text.delta, response.usage, then response.completed, response.cancelled or error (see docs/conversations.md) */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/knowledge-bases': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's knowledge bases, newest first (kb:read) */
    get: {
      parameters: {
        query?: {
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBasePage'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Create a knowledge base (kb:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            description?: string;
            settings?: {
              /** @description An embedding model from GET /v1/models; changing it re-indexes every document */
              embedding_model?: string;
              /** @description Chunk size in tokens; changing it re-indexes every document */
              chunk_tokens?: number;
              /** @description Tokens repeated between neighbouring chunks (at most half a chunk) */
              overlap_tokens?: number;
              search?: {
                /** @enum {string} */
                mode?: 'vector' | 'lexical' | 'hybrid';
                top_k?: number;
                score_threshold?: number | null;
                rerank?: boolean;
                query_expansion?: boolean;
              };
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBase'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        502: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/knowledge-bases/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One knowledge base, with document counts by status (kb:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `kb_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBase'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a knowledge base with its documents and chunks (kb:write) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `kb_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /** Rename, describe, or change settings; a new embedding model or chunking re-indexes every document in the background (kb:write) */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `kb_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name?: string;
            description?: string;
            settings?: {
              /** @description An embedding model from GET /v1/models; changing it re-indexes every document */
              embedding_model?: string;
              /** @description Chunk size in tokens; changing it re-indexes every document */
              chunk_tokens?: number;
              /** @description Tokens repeated between neighbouring chunks (at most half a chunk) */
              overlap_tokens?: number;
              search?: {
                /** @enum {string} */
                mode?: 'vector' | 'lexical' | 'hybrid';
                top_k?: number;
                score_threshold?: number | null;
                rerank?: boolean;
                query_expansion?: boolean;
              };
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBase'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/v1/knowledge-bases/{id}/documents': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The documents, newest first, with status and progress (kb:read) */
    get: {
      parameters: {
        query?: {
          status?: 'queued' | 'processing' | 'ready' | 'failed';
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path: {
          /** @description A `kb_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBaseDocumentPage'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /** Add a document from text, an uploaded file (file_id) or a URL; it is queued and ingested in the background (kb:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `kb_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description The document itself (plain text unless `format` says otherwise) */
            text?: string;
            /**
             * @description How to read `text` (default txt)
             * @enum {string}
             */
            format?: 'txt' | 'md' | 'html' | 'json' | 'csv';
            /**
             * @description An uploaded file with purpose `document`
             * @example file_01jd8x3k5q9v7w2m4n6p8r0s1t
             */
            file_id?: string;
            /** @description An http(s) URL, fetched by the ingestion job */
            url?: string;
            title?: string;
            /** @description Key/value pairs (string, number or boolean) that search can filter on */
            metadata?: {
              [key: string]: string | number | boolean;
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBaseDocument'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/knowledge-bases/{id}/documents/{docId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One document: status, progress, and the reason when it failed (kb:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `kb_` id */
          id: string;
          /** @description A `doc_` id */
          docId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBaseDocument'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a document and its chunks (kb:write) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `kb_` id */
          id: string;
          /** @description A `doc_` id */
          docId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/knowledge-bases/{id}/documents/{docId}/reindex': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Ingest a document again (its current chunks answer until the new ones replace them) (kb:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `kb_` id */
          id: string;
          /** @description A `doc_` id */
          docId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeBaseDocument'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/knowledge-bases/{id}/search': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Search the knowledge base: vector, lexical (BM25) or hybrid (fused), optionally reranked; chunks with scores, document and location (kb:read) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `kb_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            query: string;
            top_k?: number;
            /** @enum {string} */
            mode?: 'vector' | 'lexical' | 'hybrid';
            /** @description Leave out results whose `score` is lower (null: none; absent: the knowledge base default) */
            score_threshold?: number | null;
            /** @description Reorder with the rerank provider (default: when configured) */
            rerank?: boolean;
            /** @description Expand lexical queries with terms of their first results (RM3); default: the knowledge base setting */
            query_expansion?: boolean;
            filters?: {
              document_ids?: string[];
              /** @description Key/value pairs (string, number or boolean) that search can filter on */
              metadata?: {
                [key: string]: string | number | boolean;
              };
            };
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['KnowledgeSearchResponse'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        502: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/webhooks/secret': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's webhook signing secret, created on first use (tenant:update) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['WebhookSecret'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/webhooks/secret/rotate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Replace the webhook signing secret; the old one keeps signing for 24 h (tenant:update) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['WebhookSecret'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Run a task: text, image, speech, transcription or document processing (tasks:write)
     * @description Answers the finished task (200), the queued task with `async: true` (202), or server-sent events (`task.created`, `task.delta`, `task.completed` / `task.failed`) with `stream: true`. See docs/tasks.md.
     */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['InvokeRequestInput'];
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Task'];
          };
        };
        /** @description Default Response */
        202: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Task'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        413: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        415: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        422: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        501: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        502: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/invoke/batch': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Run or queue several tasks; per-item results in order (tasks:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['InvokeBatchRequestInput'];
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['InvokeBatchResult'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's tasks, newest first (tasks:read) */
    get: {
      parameters: {
        query?: {
          status?: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
          task_type?:
            | 'text_generation'
            | 'image_generation'
            | 'speech_to_text'
            | 'text_to_speech'
            | 'document_processing';
          cursor?: string;
          limit?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              data: components['schemas']['Task'][];
              next_cursor: string | null;
            };
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tasks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One task: status, output, error, usage and webhook deliveries (tasks:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `task_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Task'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/tasks/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a queued or running task (tasks:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path: {
          /** @description A `task_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Task'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create a session (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description A chat model (default: INVOKE_TEXT_MODEL) */
            model?: string;
            system_prompt?: string | null;
            title?: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['InvokeSession'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/sessions/import': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Create a session from an exported document (chat:write) */
    post: {
      parameters: {
        query?: never;
        header?: {
          /**
           * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
           * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
           */
          'Idempotency-Key'?: components['parameters']['IdempotencyKey'];
        };
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @enum {string} */
            format: 'nexus.conversation';
            /** @enum {number} */
            version: 1;
            /** Format: date-time */
            exported_at?: string;
            conversation: {
              id?: string;
              /** @default  */
              title?: string;
              /**
               * @default default
               * @enum {string}
               */
              title_source?: 'default' | 'auto' | 'user';
              model: string;
              /** @default null */
              system_prompt?: string | null;
              params?: components['schemas']['ConversationParamsInput'];
              /** @default [] */
              knowledge_base_ids?: string[];
              /** @default false */
              pinned?: boolean;
              /** @default null */
              archived_at?: string | null;
              /** @default null */
              active_leaf_id?: string | null;
              /** Format: date-time */
              created_at?: string;
              /** Format: date-time */
              updated_at?: string;
            };
            messages: {
              id: string;
              parent_id: string | null;
              /** @enum {string} */
              role: 'system' | 'user' | 'assistant' | 'tool';
              content: string;
              /**
               * @default completed
               * @enum {string}
               */
              status?: 'streaming' | 'completed' | 'cancelled' | 'failed';
              /** @default null */
              error?: {
                code: string;
                message: string;
              } | null;
              /** @default null */
              model?: string | null;
              /** @default null */
              usage?: {
                input_tokens: number;
                output_tokens: number;
              } | null;
              /** @default null */
              context?: {
                [key: string]: unknown;
              } | null;
              /** @default null */
              citations?: unknown[] | null;
              /** @default null */
              feedback?: {
                rating: ('up' | 'down') | null;
                /** @default null */
                comment?: string | null;
                /** @default null */
                at?: string | null;
              } | null;
              /** Format: date-time */
              created_at?: string;
            }[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['InvokeSession'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            'Idempotent-Replayed': components['headers']['IdempotentReplayed'];
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One session (chat:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['InvokeSession'];
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a session (chat:write) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/sessions/{id}/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Export a session as re-importable JSON (chat:read) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A `conv_` id */
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The conversation export document */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': unknown;
          };
        };
        /** @description Default Response */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        500: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description Default Response */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    ErrorInput: {
      error: {
        /**
         * @description Stable machine-readable code; see docs/errors.md
         * @example validation_failed
         */
        code: string;
        message: string;
        request_id: string;
        details?: unknown;
      };
    };
    /** @description Generation parameters (OpenAI names and ranges) */
    ConversationParamsInput: {
      temperature?: number;
      top_p?: number;
      max_tokens?: number;
      presence_penalty?: number;
      frequency_penalty?: number;
      stop?: string | string[];
      seed?: number;
    };
    ConversationInput: {
      id: string;
      title: string;
      /** @enum {string} */
      title_source: 'default' | 'auto' | 'user';
      model: string;
      system_prompt: string | null;
      params: {
        [key: string]: unknown;
      };
      knowledge_base_ids: string[];
      pinned: boolean;
      archived: boolean;
      archived_at: string | null;
      active_leaf_id: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    ConversationMessageInput: {
      id: string;
      conversation_id: string;
      parent_id: string | null;
      /** @enum {string} */
      role: 'system' | 'user' | 'assistant' | 'tool';
      content: string;
      /** @enum {string} */
      status: 'streaming' | 'completed' | 'cancelled' | 'failed';
      error: {
        code: string;
        message: string;
      } | null;
      model: string | null;
      usage: {
        input_tokens: number;
        output_tokens: number;
      } | null;
      context: {
        [key: string]: unknown;
      } | null;
      citations: unknown[] | null;
      feedback: {
        rating: ('up' | 'down') | null;
        comment: string | null;
        at: string | null;
      } | null;
      /** @description The messages with the same parent (edits, regenerations), oldest first */
      siblings: {
        /** @description This message among its siblings, from 0 (oldest) */
        index: number;
        count: number;
        ids: string[];
      };
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    ConversationSearchHitInput: {
      conversation: components['schemas']['ConversationInput'];
      /** @description The best-matching message; null: the title matched */
      message_id: string | null;
      snippet: string;
      rank: number;
    };
    ModelEntrySpecInput: {
      /**
       * @default chat
       * @enum {string}
       */
      kind: 'chat' | 'embedding' | 'image' | 'speech' | 'transcription';
      image_sizes?: string[];
      /** @default 8192 */
      context_window: number;
      /**
       * @default weighted
       * @enum {string}
       */
      routing: 'weighted' | 'least-in-flight';
      /** @default [] */
      fallbacks: string[];
      deployments: {
        id?: string;
        /** @enum {string} */
        provider: 'openai-compatible' | 'anthropic' | 'local';
        model: string;
        /** Format: uri */
        base_url?: string;
        api_key_env?: string;
        /** @default 1 */
        weight: number;
        rpm?: number;
        tpm?: number;
        /**
         * @default {
         *       "input": 0,
         *       "output": 0
         *     }
         */
        price: {
          /** @description Price per million input tokens */
          input: number;
          /** @description Price per million output tokens */
          output: number;
        };
        /** @default true */
        stream_usage: boolean;
        /** @description Refused: name the environment variable holding the key in `api_key_env` instead */
        api_key?: unknown;
      }[];
      /** @description Refused: name the environment variable holding the key in `api_key_env` instead */
      api_key?: unknown;
    };
    FlagRuleInput:
      | {
          /** @constant */
          type: 'percentage';
          /** @description Share of users (0–100, two decimals count): a stable hash of flag key and user id picks them */
          percent: number;
        }
      | {
          /** @constant */
          type: 'ip';
          cidrs: string[];
        }
      | {
          /** @constant */
          type: 'tenants';
          tenant_ids: string[];
        }
      | {
          /** @constant */
          type: 'users';
          user_ids: string[];
        };
    FeatureFlagInput: {
      /** @description The kill switch: false turns the flag off for everyone */
      enabled: boolean;
      description?: string;
      /**
       * @description Any match turns the flag on; no rules: on for everyone (while enabled)
       * @default []
       */
      rules: components['schemas']['FlagRuleInput'][];
    };
    RuntimeConfigDocumentInput: {
      /**
       * @description Feature flags by key, evaluated per request (GET /v1/me/features)
       * @default {}
       */
      flags: {
        [key: string]: components['schemas']['FeatureFlagInput'];
      };
      /**
       * @default {
       *       "default_system": null
       *     }
       */
      prompts: {
        /**
         * @description The system prompt of conversations (and sessions) that set none; null: none
         * @default null
         */
        default_system: string | null;
      };
      /**
       * @default {
       *       "top_k": null
       *     }
       */
      rag: {
        /**
         * @description How many chunks a conversation turn retrieves from its knowledge bases; null: each knowledge base’s own top_k
         * @default null
         */
        top_k: number | null;
      };
      /**
       * @default {
       *       "aliases": {},
       *       "entries": {}
       *     }
       */
      models: {
        /**
         * @description Model routing overrides: a request for the alias is routed to the target model — a catalog model or one of `entries` (one hop)
         * @default {}
         */
        aliases: {
          [key: string]: string;
        };
        /**
         * @description Models of this version by public name (the body of PUT /v1/admin/models/{name}); they override a catalog model of the same name for the users this version is effective for
         * @default {}
         */
        entries: {
          [key: string]: components['schemas']['ModelEntrySpecInput'];
        };
      };
    };
    InvokeRequestInput: {
      /**
       * @description One of: text_generation, image_generation, speech_to_text, text_to_speech, document_processing
       * @example text_generation
       * @example image_generation
       * @example speech_to_text
       * @example text_to_speech
       * @example document_processing
       */
      task_type: string;
      /** @description The task type's input, e.g. { prompt } for text_generation (docs/tasks.md) */
      input: {
        [key: string]: unknown;
      };
      /** @description The task type's options, e.g. { model, max_tokens } (docs/tasks.md) */
      config?: {
        [key: string]: unknown;
      };
      /** @description text_generation only: a session (POST /v1/sessions) whose history the model sees */
      session_id?: string | null;
      /** @description text_generation only: answer with server-sent events */
      stream?: boolean;
      /** @description Queue the task and answer 202 at once */
      async?: boolean;
      /** @description POSTed the finished task, signed (Nexus-Signature); see docs/tasks.md#webhooks */
      webhook_url?: string | null;
      /** @description Your own key/value strings, returned on the task and in its webhook */
      metadata?: {
        [key: string]: string;
      };
    };
    InvokeBatchRequestInput: {
      /** @description Invoke requests (no stream); each is checked and run on its own */
      items: {
        [key: string]: unknown;
      }[];
      /** @description Queue every item (an item may say otherwise) */
      async?: boolean;
    };
    TaskWebhookInput: {
      url: string;
      /** @enum {string} */
      status: 'pending' | 'delivered' | 'failed';
      attempts: {
        attempt: number;
        status_code: number | null;
        error: string | null;
        duration_ms: number;
        at: string;
      }[];
    };
    TaskInput: {
      /** @example task_01jd8x3k5q9v7w2m4n6p8r0s1t */
      id: string;
      /** @constant */
      object: 'task';
      /** @enum {string} */
      task_type:
        | 'text_generation'
        | 'image_generation'
        | 'speech_to_text'
        | 'text_to_speech'
        | 'document_processing';
      /** @enum {string} */
      status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
      /** @description The task type's result (docs/tasks.md); null until it succeeded */
      output: {
        [key: string]: unknown;
      } | null;
      error: {
        code: string;
        message: string;
      } | null;
      usage: {
        input_tokens: number;
        output_tokens: number;
      } | null;
      session_id: string | null;
      metadata: {
        [key: string]: string;
      };
      webhook: components['schemas']['TaskWebhookInput'] | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      started_at: string | null;
      completed_at: string | null;
    };
    InvokeBatchResultInput: {
      /** @constant */
      object: 'batch';
      data: {
        index: number;
        /** @enum {string} */
        status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
        task?: components['schemas']['TaskInput'];
        error?: {
          code: string;
          message: string;
          details?: unknown;
        };
      }[];
    };
    InvokeSessionInput: {
      /** @example conv_01jd8x3k5q9v7w2m4n6p8r0s1t */
      id: string;
      /** @constant */
      object: 'session';
      conversation_id: string;
      model: string;
      system_prompt: string | null;
      title: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    RoleInput: {
      id: string | null;
      name: string;
      description: string;
      permissions: string[];
      built_in: boolean;
    };
    ApiKeyInput: {
      id: string;
      name: string;
      /** @description First characters of the secret, to recognise it */
      prefix: string;
      scopes: string[];
      created_by: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      expires_at: string | null;
      last_used_at: string | null;
      revoked_at: string | null;
    };
    TokenPairInput: {
      access_token: string;
      refresh_token: string;
      /** @constant */
      token_type: 'Bearer';
      /** @description Access token lifetime in seconds */
      expires_in: number;
      session_id: string;
      user_id: string;
    };
    UserInput: {
      id: string;
      email: string | null;
      display_name: string;
      is_platform_admin: boolean;
      /** @enum {string} */
      status: 'active' | 'disabled';
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    SessionInput: {
      id: string;
      device_name: string;
      ip: string | null;
      user_agent: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      last_seen_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      expires_at: string;
      current: boolean;
    };
    TenantInput: {
      id: string;
      name: string;
      slug: string;
      /** @enum {string} */
      status: 'active' | 'disabled';
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    MemberInput: {
      user_id: string;
      email: string | null;
      display_name: string;
      role: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      joined_at: string;
    };
    InviteInput: {
      id: string;
      role: string;
      email: string | null;
      /** @enum {string} */
      status: 'pending' | 'accepted' | 'revoked' | 'expired';
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      expires_at: string;
    };
    AuditEventInput: {
      id: string;
      tenant_id: string | null;
      actor_type: string;
      actor_id: string | null;
      action: string;
      target_type: string | null;
      target_id: string | null;
      /** @enum {string} */
      result: 'success' | 'failure';
      ip: string | null;
      user_agent: string | null;
      request_id: string | null;
      details: {
        [key: string]: unknown;
      };
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    ConversationReplyInput: {
      user_message: components['schemas']['ConversationMessageInput'];
      assistant_message: components['schemas']['ConversationMessageInput'];
    };
    FileInput: {
      /** @example file_01jd8x3k5q9v7w2m4n6p8r0s1t */
      id: string;
      /** @constant */
      object: 'file';
      bytes: number;
      /** @description Unix time in seconds (as OpenAI) */
      created_at: number;
      filename: string;
      /** @enum {string} */
      purpose: 'document' | 'audio' | 'image' | 'video';
      /**
       * @description Detected from the content
       * @example application/pdf
       */
      media_type: string;
      /** @description SHA-256 of the content, lower-case hex */
      sha256: string;
    };
    FileBatchItemInput:
      | {
          /** @description The file’s position among the file parts, from 0 */
          index: number;
          /** @constant */
          status: 'succeeded';
          file: components['schemas']['FileInput'];
        }
      | {
          index: number;
          /** @constant */
          status: 'failed';
          filename: string;
          error: {
            /**
             * @description The code a single upload answers (docs/errors.md)
             * @example file_type_not_allowed
             */
            code: string;
            message: string;
            details?: unknown;
          };
        };
    FileBatchInput: {
      /** @constant */
      object: 'list';
      data: components['schemas']['FileBatchItemInput'][];
    };
    FileDownloadLinkInput: {
      url: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      expires_at: string;
    };
    FileSettingsInput: {
      tenant_id: string;
      /** @description The limit in force */
      max_file_bytes: number;
      /** @description The tenant's own limit */
      max_file_bytes_override: number | null;
      /** @description FILES_MAX_BYTES */
      default_max_file_bytes: number;
      /** @description FILES_MAX_BYTES_CEILING: the largest limit a tenant may set */
      ceiling_max_file_bytes: number;
      updated_at: string | null;
    };
    GatewaySettingsInput: {
      tenant_id: string;
      /** @enum {string} */
      response_cache: 'off' | 'exact' | 'semantic';
      cache_ttl_s: number | null;
      pii_masking: boolean;
      updated_at: string | null;
      cache_stats: {
        exact_hits: number;
        semantic_hits: number;
        misses: number;
      };
    };
    ModelEntryInput: {
      /** @description The `mdl_` id of a database entry; null for file/built-in */
      id: string | null;
      name: string;
      tenant_id: string | null;
      /** @enum {string} */
      source: 'database' | 'file' | 'built-in';
      /** @description False when a database entry of the same name overrides it */
      active: boolean;
      spec: {
        /**
         * @default chat
         * @enum {string}
         */
        kind: 'chat' | 'embedding' | 'image' | 'speech' | 'transcription';
        image_sizes?: string[];
        /** @default 8192 */
        context_window: number;
        /**
         * @default weighted
         * @enum {string}
         */
        routing: 'weighted' | 'least-in-flight';
        /** @default [] */
        fallbacks: string[];
        deployments: {
          id?: string;
          /** @enum {string} */
          provider: 'openai-compatible' | 'anthropic' | 'local';
          model: string;
          /** Format: uri */
          base_url?: string;
          api_key_env?: string;
          /** @default 1 */
          weight: number;
          rpm?: number;
          tpm?: number;
          /**
           * @default {
           *       "input": 0,
           *       "output": 0
           *     }
           */
          price: {
            /** @description Price per million input tokens */
            input: number;
            /** @description Price per million output tokens */
            output: number;
          };
          /** @default true */
          stream_usage: boolean;
        }[];
      };
      created_by: string | null;
      created_at: string | null;
      updated_at: string | null;
    };
    KnowledgeBaseSettingsInput: {
      embedding_model: string;
      chunk_tokens: number;
      overlap_tokens: number;
      search: {
        /** @enum {string} */
        mode: 'vector' | 'lexical' | 'hybrid';
        top_k: number;
        score_threshold: number | null;
        rerank: boolean;
        query_expansion: boolean;
      };
    };
    KnowledgeBaseInput: {
      id: string;
      /** @constant */
      object: 'knowledge_base';
      name: string;
      description: string;
      settings: components['schemas']['KnowledgeBaseSettingsInput'];
      embedding_dimensions: number | null;
      settings_version: number;
      documents: {
        queued: number;
        processing: number;
        ready: number;
        failed: number;
        total: number;
      };
      chunk_count: number;
      created_by: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    KnowledgeBasePageInput: {
      data: components['schemas']['KnowledgeBaseInput'][];
      next_cursor: string | null;
    };
    KnowledgeBaseDocumentInput: {
      id: string;
      /** @constant */
      object: 'knowledge_base.document';
      knowledge_base_id: string;
      /** @enum {string} */
      source: 'file' | 'text' | 'url';
      file_id: string | null;
      url: string | null;
      title: string;
      metadata: {
        [key: string]: unknown;
      };
      format: string | null;
      bytes: number | null;
      /** @enum {string} */
      status: 'queued' | 'processing' | 'ready' | 'failed';
      error: {
        code: string;
        message: string;
      } | null;
      /** @description The stage (queued, fetch, parse, chunk, embed, index, done, failed) and 0–1 */
      progress: {
        stage: string;
        fraction: number;
      } & {
        [key: string]: unknown;
      };
      chunk_count: number;
      attempts: number;
      settings_version: number | null;
      indexed_at: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    KnowledgeBaseDocumentPageInput: {
      data: components['schemas']['KnowledgeBaseDocumentInput'][];
      next_cursor: string | null;
    };
    KnowledgeSearchResultInput: {
      chunk_id: string;
      knowledge_base_id: string;
      score: number;
      scores: {
        vector?: number;
        lexical?: number;
        rerank?: number;
      };
      text: string;
      document: {
        id: string;
        title: string;
        /** @enum {string} */
        source: 'file' | 'text' | 'url';
        file_id: string | null;
        url: string | null;
        metadata: {
          [key: string]: unknown;
        };
      };
      location: {
        ordinal: number;
        page: number | null;
        start: number;
        end: number;
        headings: string[];
      };
    };
    KnowledgeSearchResponseInput: {
      /** @constant */
      object: 'list';
      data: components['schemas']['KnowledgeSearchResultInput'][];
      /** @enum {string} */
      mode: 'vector' | 'lexical' | 'hybrid';
      reranked: boolean;
    };
    QuotaPlanInput: {
      name: string;
      description: string;
      tokens_per_day: number | null;
      tokens_per_month: number | null;
      requests_per_day: number | null;
      requests_per_month: number | null;
      max_tokens: number | null;
      built_in: boolean;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    QuotaStatusInput: {
      /** @description QUOTAS_ENABLED: false means nothing is refused */
      enabled: boolean;
      tenant_id: string;
      user_id: string | null;
      tenant_plan: string;
      user_plan: string | null;
      max_tokens: number | null;
      quotas: {
        /** @enum {string} */
        scope: 'tenant' | 'user';
        /** @enum {string} */
        metric: 'tokens' | 'requests';
        /** @enum {string} */
        period: 'day' | 'month';
        plan: string;
        limit: number | null;
        used: number;
        remaining: number | null;
        top_up: number;
        /**
         * Format: date-time
         * @example 2026-11-24T18:00:00.000Z
         */
        resets_at: string;
      }[];
    };
    QuotaTopUpInput: {
      id: string;
      tenant_id: string;
      user_id: string | null;
      /** @enum {string} */
      period: 'day' | 'month';
      period_key: string;
      tokens: number;
      requests: number;
      reason: string | null;
      created_by: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    ConfigDiffEntryInput: {
      /** @enum {string} */
      op: 'add' | 'remove' | 'replace';
      /** @description RFC 6901 JSON Pointer into the document */
      path: string;
      from?: unknown;
      value?: unknown;
    };
    ConfigVersionInput: {
      version: number;
      message: string;
      author: {
        id: string | null;
        email: string | null;
      };
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /** @enum {string} */
      status: 'active' | 'canary' | 'inactive';
      document: components['schemas']['RuntimeConfigDocumentInput'];
      /** @description Changes from the previous version (version 1: from the default) */
      diff: components['schemas']['ConfigDiffEntryInput'][];
    };
    ConfigStateInput: {
      active_version: number | null;
      canary: {
        version: number;
        percent: number;
      } | null;
      revision: number;
      updated_by: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    FeaturesInput: {
      /** @description Each flag of the caller’s config: on or off */
      data: {
        [key: string]: boolean;
      };
      /** @description The config version that decided (null: default) */
      config_version: number | null;
      /** @enum {string} */
      config_source: 'default' | 'active' | 'canary';
      evaluations: {
        key: string;
        enabled: boolean;
        /** @enum {string} */
        reason: 'flag_off' | 'no_rules' | 'rule_match' | 'no_rule_matched';
        rule_index: number | null;
        rule_type: ('percentage' | 'ip' | 'tenants' | 'users') | null;
      }[];
    };
    ReadinessInput: {
      /** @enum {string} */
      status: 'ok' | 'unavailable';
      /** @description Dependencies that did not answer; `draining` while shutting down */
      failing: string[];
      checks: {
        [key: string]: {
          /** @enum {string} */
          status: 'ok' | 'error';
          latency_ms: number;
          error?: string;
        };
      };
    };
    PlatformStatusInput: {
      version: string;
      database: {
        kind: string;
        schema_version: string | null;
        migrations_applied: number;
      };
      cache: {
        kind: string;
      };
      uptime_s: number;
    };
    IpAllowlistInput: {
      tenant_id: string;
      entries: string[];
      updated_at: string | null;
    };
    UsageInput: {
      from: string;
      to: string;
      group_by: ('day' | 'model' | 'user' | 'api_key')[];
      data: {
        day?: string;
        model?: string;
        user_id?: string | null;
        api_key_id?: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      }[];
      totals: {
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      };
    };
    UsageAnalyticsInput: {
      from: string;
      to: string;
      totals: {
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
        error_rate: number;
      };
      top_users: {
        user_id: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      }[];
      cost_by_model: {
        model: string;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      }[];
      by_day: {
        day: string;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
        error_rate: number;
      }[];
      errors_by_code: {
        code: string;
        count: number;
      }[];
    };
    WebhookSecretInput: {
      /** @constant */
      object: 'webhook_secret';
      /** @description The HMAC-SHA256 key of `Nexus-Signature` (the whole string) */
      secret: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      rotated_at: string | null;
      /** @description Until when the secret before the last rotation still signs (a second `v1=`) */
      previous_expires_at: string | null;
    };
    ActiveBranchInput: {
      id: string;
      title: string;
      /** @enum {string} */
      title_source: 'default' | 'auto' | 'user';
      model: string;
      system_prompt: string | null;
      params: {
        [key: string]: unknown;
      };
      knowledge_base_ids: string[];
      pinned: boolean;
      archived: boolean;
      archived_at: string | null;
      active_leaf_id: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
      messages: components['schemas']['ConversationMessageInput'][];
    };
    Error: {
      error: {
        /**
         * @description Stable machine-readable code; see docs/errors.md
         * @example validation_failed
         */
        code: string;
        message: string;
        request_id: string;
        details?: unknown;
      };
    };
    /** @description Generation parameters (OpenAI names and ranges) */
    ConversationParams: {
      temperature?: number;
      top_p?: number;
      max_tokens?: number;
      presence_penalty?: number;
      frequency_penalty?: number;
      stop?: string | string[];
      seed?: number;
    };
    Conversation: {
      id: string;
      title: string;
      /** @enum {string} */
      title_source: 'default' | 'auto' | 'user';
      model: string;
      system_prompt: string | null;
      params: {
        [key: string]: unknown;
      };
      knowledge_base_ids: string[];
      pinned: boolean;
      archived: boolean;
      archived_at: string | null;
      active_leaf_id: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    ConversationMessage: {
      id: string;
      conversation_id: string;
      parent_id: string | null;
      /** @enum {string} */
      role: 'system' | 'user' | 'assistant' | 'tool';
      content: string;
      /** @enum {string} */
      status: 'streaming' | 'completed' | 'cancelled' | 'failed';
      error: {
        code: string;
        message: string;
      } | null;
      model: string | null;
      usage: {
        input_tokens: number;
        output_tokens: number;
      } | null;
      context: {
        [key: string]: unknown;
      } | null;
      citations: unknown[] | null;
      feedback: {
        rating: ('up' | 'down') | null;
        comment: string | null;
        at: string | null;
      } | null;
      /** @description The messages with the same parent (edits, regenerations), oldest first */
      siblings: {
        /** @description This message among its siblings, from 0 (oldest) */
        index: number;
        count: number;
        ids: string[];
      };
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    ConversationSearchHit: {
      conversation: components['schemas']['Conversation'];
      /** @description The best-matching message; null: the title matched */
      message_id: string | null;
      snippet: string;
      rank: number;
    };
    ModelEntrySpec: {
      /**
       * @default chat
       * @enum {string}
       */
      kind: 'chat' | 'embedding' | 'image' | 'speech' | 'transcription';
      image_sizes?: string[];
      /** @default 8192 */
      context_window: number;
      /**
       * @default weighted
       * @enum {string}
       */
      routing: 'weighted' | 'least-in-flight';
      /** @default [] */
      fallbacks: string[];
      deployments: {
        id?: string;
        /** @enum {string} */
        provider: 'openai-compatible' | 'anthropic' | 'local';
        model: string;
        /** Format: uri */
        base_url?: string;
        api_key_env?: string;
        /** @default 1 */
        weight: number;
        rpm?: number;
        tpm?: number;
        /**
         * @default {
         *       "input": 0,
         *       "output": 0
         *     }
         */
        price: {
          /** @description Price per million input tokens */
          input: number;
          /** @description Price per million output tokens */
          output: number;
        };
        /** @default true */
        stream_usage: boolean;
        /** @description Refused: name the environment variable holding the key in `api_key_env` instead */
        api_key?: unknown;
      }[];
      /** @description Refused: name the environment variable holding the key in `api_key_env` instead */
      api_key?: unknown;
    };
    FlagRule:
      | {
          /** @constant */
          type: 'percentage';
          /** @description Share of users (0–100, two decimals count): a stable hash of flag key and user id picks them */
          percent: number;
        }
      | {
          /** @constant */
          type: 'ip';
          cidrs: string[];
        }
      | {
          /** @constant */
          type: 'tenants';
          tenant_ids: string[];
        }
      | {
          /** @constant */
          type: 'users';
          user_ids: string[];
        };
    FeatureFlag: {
      /** @description The kill switch: false turns the flag off for everyone */
      enabled: boolean;
      description?: string;
      /**
       * @description Any match turns the flag on; no rules: on for everyone (while enabled)
       * @default []
       */
      rules: components['schemas']['FlagRule'][];
    };
    RuntimeConfigDocument: {
      /**
       * @description Feature flags by key, evaluated per request (GET /v1/me/features)
       * @default {}
       */
      flags: {
        [key: string]: components['schemas']['FeatureFlag'];
      };
      /**
       * @default {
       *       "default_system": null
       *     }
       */
      prompts: {
        /**
         * @description The system prompt of conversations (and sessions) that set none; null: none
         * @default null
         */
        default_system: string | null;
      };
      /**
       * @default {
       *       "top_k": null
       *     }
       */
      rag: {
        /**
         * @description How many chunks a conversation turn retrieves from its knowledge bases; null: each knowledge base’s own top_k
         * @default null
         */
        top_k: number | null;
      };
      /**
       * @default {
       *       "aliases": {},
       *       "entries": {}
       *     }
       */
      models: {
        /**
         * @description Model routing overrides: a request for the alias is routed to the target model — a catalog model or one of `entries` (one hop)
         * @default {}
         */
        aliases: {
          [key: string]: string;
        };
        /**
         * @description Models of this version by public name (the body of PUT /v1/admin/models/{name}); they override a catalog model of the same name for the users this version is effective for
         * @default {}
         */
        entries: {
          [key: string]: components['schemas']['ModelEntrySpec'];
        };
      };
    };
    InvokeRequest: {
      /**
       * @description One of: text_generation, image_generation, speech_to_text, text_to_speech, document_processing
       * @example text_generation
       * @example image_generation
       * @example speech_to_text
       * @example text_to_speech
       * @example document_processing
       */
      task_type: string;
      /** @description The task type's input, e.g. { prompt } for text_generation (docs/tasks.md) */
      input: {
        [key: string]: unknown;
      };
      /** @description The task type's options, e.g. { model, max_tokens } (docs/tasks.md) */
      config?: {
        [key: string]: unknown;
      };
      /** @description text_generation only: a session (POST /v1/sessions) whose history the model sees */
      session_id?: string | null;
      /** @description text_generation only: answer with server-sent events */
      stream?: boolean;
      /** @description Queue the task and answer 202 at once */
      async?: boolean;
      /** @description POSTed the finished task, signed (Nexus-Signature); see docs/tasks.md#webhooks */
      webhook_url?: string | null;
      /** @description Your own key/value strings, returned on the task and in its webhook */
      metadata?: {
        [key: string]: string;
      };
    };
    InvokeBatchRequest: {
      /** @description Invoke requests (no stream); each is checked and run on its own */
      items: {
        [key: string]: unknown;
      }[];
      /** @description Queue every item (an item may say otherwise) */
      async?: boolean;
    };
    TaskWebhook: {
      url: string;
      /** @enum {string} */
      status: 'pending' | 'delivered' | 'failed';
      attempts: {
        attempt: number;
        status_code: number | null;
        error: string | null;
        duration_ms: number;
        at: string;
      }[];
    };
    Task: {
      /** @example task_01jd8x3k5q9v7w2m4n6p8r0s1t */
      id: string;
      /** @constant */
      object: 'task';
      /** @enum {string} */
      task_type:
        | 'text_generation'
        | 'image_generation'
        | 'speech_to_text'
        | 'text_to_speech'
        | 'document_processing';
      /** @enum {string} */
      status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
      /** @description The task type's result (docs/tasks.md); null until it succeeded */
      output: {
        [key: string]: unknown;
      } | null;
      error: {
        code: string;
        message: string;
      } | null;
      usage: {
        input_tokens: number;
        output_tokens: number;
      } | null;
      session_id: string | null;
      metadata: {
        [key: string]: string;
      };
      webhook: components['schemas']['TaskWebhook'] | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      started_at: string | null;
      completed_at: string | null;
    };
    InvokeBatchResult: {
      /** @constant */
      object: 'batch';
      data: {
        index: number;
        /** @enum {string} */
        status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
        task?: components['schemas']['Task'];
        error?: {
          code: string;
          message: string;
          details?: unknown;
        };
      }[];
    };
    InvokeSession: {
      /** @example conv_01jd8x3k5q9v7w2m4n6p8r0s1t */
      id: string;
      /** @constant */
      object: 'session';
      conversation_id: string;
      model: string;
      system_prompt: string | null;
      title: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    Role: {
      id: string | null;
      name: string;
      description: string;
      permissions: string[];
      built_in: boolean;
    };
    ApiKey: {
      id: string;
      name: string;
      /** @description First characters of the secret, to recognise it */
      prefix: string;
      scopes: string[];
      created_by: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      expires_at: string | null;
      last_used_at: string | null;
      revoked_at: string | null;
    };
    TokenPair: {
      access_token: string;
      refresh_token: string;
      /** @constant */
      token_type: 'Bearer';
      /** @description Access token lifetime in seconds */
      expires_in: number;
      session_id: string;
      user_id: string;
    };
    User: {
      id: string;
      email: string | null;
      display_name: string;
      is_platform_admin: boolean;
      /** @enum {string} */
      status: 'active' | 'disabled';
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    Session: {
      id: string;
      device_name: string;
      ip: string | null;
      user_agent: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      last_seen_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      expires_at: string;
      current: boolean;
    };
    Tenant: {
      id: string;
      name: string;
      slug: string;
      /** @enum {string} */
      status: 'active' | 'disabled';
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    Member: {
      user_id: string;
      email: string | null;
      display_name: string;
      role: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      joined_at: string;
    };
    Invite: {
      id: string;
      role: string;
      email: string | null;
      /** @enum {string} */
      status: 'pending' | 'accepted' | 'revoked' | 'expired';
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      expires_at: string;
    };
    AuditEvent: {
      id: string;
      tenant_id: string | null;
      actor_type: string;
      actor_id: string | null;
      action: string;
      target_type: string | null;
      target_id: string | null;
      /** @enum {string} */
      result: 'success' | 'failure';
      ip: string | null;
      user_agent: string | null;
      request_id: string | null;
      details: {
        [key: string]: unknown;
      };
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    ConversationReply: {
      user_message: components['schemas']['ConversationMessage'];
      assistant_message: components['schemas']['ConversationMessage'];
    };
    File: {
      /** @example file_01jd8x3k5q9v7w2m4n6p8r0s1t */
      id: string;
      /** @constant */
      object: 'file';
      bytes: number;
      /** @description Unix time in seconds (as OpenAI) */
      created_at: number;
      filename: string;
      /** @enum {string} */
      purpose: 'document' | 'audio' | 'image' | 'video';
      /**
       * @description Detected from the content
       * @example application/pdf
       */
      media_type: string;
      /** @description SHA-256 of the content, lower-case hex */
      sha256: string;
    };
    FileBatchItem:
      | {
          /** @description The file’s position among the file parts, from 0 */
          index: number;
          /** @constant */
          status: 'succeeded';
          file: components['schemas']['File'];
        }
      | {
          index: number;
          /** @constant */
          status: 'failed';
          filename: string;
          error: {
            /**
             * @description The code a single upload answers (docs/errors.md)
             * @example file_type_not_allowed
             */
            code: string;
            message: string;
            details?: unknown;
          };
        };
    FileBatch: {
      /** @constant */
      object: 'list';
      data: components['schemas']['FileBatchItem'][];
    };
    FileDownloadLink: {
      url: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      expires_at: string;
    };
    FileSettings: {
      tenant_id: string;
      /** @description The limit in force */
      max_file_bytes: number;
      /** @description The tenant's own limit */
      max_file_bytes_override: number | null;
      /** @description FILES_MAX_BYTES */
      default_max_file_bytes: number;
      /** @description FILES_MAX_BYTES_CEILING: the largest limit a tenant may set */
      ceiling_max_file_bytes: number;
      updated_at: string | null;
    };
    GatewaySettings: {
      tenant_id: string;
      /** @enum {string} */
      response_cache: 'off' | 'exact' | 'semantic';
      cache_ttl_s: number | null;
      pii_masking: boolean;
      updated_at: string | null;
      cache_stats: {
        exact_hits: number;
        semantic_hits: number;
        misses: number;
      };
    };
    ModelEntry: {
      /** @description The `mdl_` id of a database entry; null for file/built-in */
      id: string | null;
      name: string;
      tenant_id: string | null;
      /** @enum {string} */
      source: 'database' | 'file' | 'built-in';
      /** @description False when a database entry of the same name overrides it */
      active: boolean;
      spec: {
        /**
         * @default chat
         * @enum {string}
         */
        kind: 'chat' | 'embedding' | 'image' | 'speech' | 'transcription';
        image_sizes?: string[];
        /** @default 8192 */
        context_window: number;
        /**
         * @default weighted
         * @enum {string}
         */
        routing: 'weighted' | 'least-in-flight';
        /** @default [] */
        fallbacks: string[];
        deployments: {
          id?: string;
          /** @enum {string} */
          provider: 'openai-compatible' | 'anthropic' | 'local';
          model: string;
          /** Format: uri */
          base_url?: string;
          api_key_env?: string;
          /** @default 1 */
          weight: number;
          rpm?: number;
          tpm?: number;
          /**
           * @default {
           *       "input": 0,
           *       "output": 0
           *     }
           */
          price: {
            /** @description Price per million input tokens */
            input: number;
            /** @description Price per million output tokens */
            output: number;
          };
          /** @default true */
          stream_usage: boolean;
        }[];
      };
      created_by: string | null;
      created_at: string | null;
      updated_at: string | null;
    };
    KnowledgeBaseSettings: {
      embedding_model: string;
      chunk_tokens: number;
      overlap_tokens: number;
      search: {
        /** @enum {string} */
        mode: 'vector' | 'lexical' | 'hybrid';
        top_k: number;
        score_threshold: number | null;
        rerank: boolean;
        query_expansion: boolean;
      };
    };
    KnowledgeBase: {
      id: string;
      /** @constant */
      object: 'knowledge_base';
      name: string;
      description: string;
      settings: components['schemas']['KnowledgeBaseSettings'];
      embedding_dimensions: number | null;
      settings_version: number;
      documents: {
        queued: number;
        processing: number;
        ready: number;
        failed: number;
        total: number;
      };
      chunk_count: number;
      created_by: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    KnowledgeBasePage: {
      data: components['schemas']['KnowledgeBase'][];
      next_cursor: string | null;
    };
    KnowledgeBaseDocument: {
      id: string;
      /** @constant */
      object: 'knowledge_base.document';
      knowledge_base_id: string;
      /** @enum {string} */
      source: 'file' | 'text' | 'url';
      file_id: string | null;
      url: string | null;
      title: string;
      metadata: {
        [key: string]: unknown;
      };
      format: string | null;
      bytes: number | null;
      /** @enum {string} */
      status: 'queued' | 'processing' | 'ready' | 'failed';
      error: {
        code: string;
        message: string;
      } | null;
      /** @description The stage (queued, fetch, parse, chunk, embed, index, done, failed) and 0–1 */
      progress: {
        stage: string;
        fraction: number;
      } & {
        [key: string]: unknown;
      };
      chunk_count: number;
      attempts: number;
      settings_version: number | null;
      indexed_at: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    KnowledgeBaseDocumentPage: {
      data: components['schemas']['KnowledgeBaseDocument'][];
      next_cursor: string | null;
    };
    KnowledgeSearchResult: {
      chunk_id: string;
      knowledge_base_id: string;
      score: number;
      scores: {
        vector?: number;
        lexical?: number;
        rerank?: number;
      };
      text: string;
      document: {
        id: string;
        title: string;
        /** @enum {string} */
        source: 'file' | 'text' | 'url';
        file_id: string | null;
        url: string | null;
        metadata: {
          [key: string]: unknown;
        };
      };
      location: {
        ordinal: number;
        page: number | null;
        start: number;
        end: number;
        headings: string[];
      };
    };
    KnowledgeSearchResponse: {
      /** @constant */
      object: 'list';
      data: components['schemas']['KnowledgeSearchResult'][];
      /** @enum {string} */
      mode: 'vector' | 'lexical' | 'hybrid';
      reranked: boolean;
    };
    QuotaPlan: {
      name: string;
      description: string;
      tokens_per_day: number | null;
      tokens_per_month: number | null;
      requests_per_day: number | null;
      requests_per_month: number | null;
      max_tokens: number | null;
      built_in: boolean;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    QuotaStatus: {
      /** @description QUOTAS_ENABLED: false means nothing is refused */
      enabled: boolean;
      tenant_id: string;
      user_id: string | null;
      tenant_plan: string;
      user_plan: string | null;
      max_tokens: number | null;
      quotas: {
        /** @enum {string} */
        scope: 'tenant' | 'user';
        /** @enum {string} */
        metric: 'tokens' | 'requests';
        /** @enum {string} */
        period: 'day' | 'month';
        plan: string;
        limit: number | null;
        used: number;
        remaining: number | null;
        top_up: number;
        /**
         * Format: date-time
         * @example 2026-11-24T18:00:00.000Z
         */
        resets_at: string;
      }[];
    };
    QuotaTopUp: {
      id: string;
      tenant_id: string;
      user_id: string | null;
      /** @enum {string} */
      period: 'day' | 'month';
      period_key: string;
      tokens: number;
      requests: number;
      reason: string | null;
      created_by: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
    };
    ConfigDiffEntry: {
      /** @enum {string} */
      op: 'add' | 'remove' | 'replace';
      /** @description RFC 6901 JSON Pointer into the document */
      path: string;
      from?: unknown;
      value?: unknown;
    };
    ConfigVersion: {
      version: number;
      message: string;
      author: {
        id: string | null;
        email: string | null;
      };
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /** @enum {string} */
      status: 'active' | 'canary' | 'inactive';
      document: components['schemas']['RuntimeConfigDocument'];
      /** @description Changes from the previous version (version 1: from the default) */
      diff: components['schemas']['ConfigDiffEntry'][];
    };
    ConfigState: {
      active_version: number | null;
      canary: {
        version: number;
        percent: number;
      } | null;
      revision: number;
      updated_by: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
    };
    Features: {
      /** @description Each flag of the caller’s config: on or off */
      data: {
        [key: string]: boolean;
      };
      /** @description The config version that decided (null: default) */
      config_version: number | null;
      /** @enum {string} */
      config_source: 'default' | 'active' | 'canary';
      evaluations: {
        key: string;
        enabled: boolean;
        /** @enum {string} */
        reason: 'flag_off' | 'no_rules' | 'rule_match' | 'no_rule_matched';
        rule_index: number | null;
        rule_type: ('percentage' | 'ip' | 'tenants' | 'users') | null;
      }[];
    };
    Readiness: {
      /** @enum {string} */
      status: 'ok' | 'unavailable';
      /** @description Dependencies that did not answer; `draining` while shutting down */
      failing: string[];
      checks: {
        [key: string]: {
          /** @enum {string} */
          status: 'ok' | 'error';
          latency_ms: number;
          error?: string;
        };
      };
    };
    PlatformStatus: {
      version: string;
      database: {
        kind: string;
        schema_version: string | null;
        migrations_applied: number;
      };
      cache: {
        kind: string;
      };
      uptime_s: number;
    };
    IpAllowlist: {
      tenant_id: string;
      entries: string[];
      updated_at: string | null;
    };
    Usage: {
      from: string;
      to: string;
      group_by: ('day' | 'model' | 'user' | 'api_key')[];
      data: {
        day?: string;
        model?: string;
        user_id?: string | null;
        api_key_id?: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      }[];
      totals: {
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      };
    };
    UsageAnalytics: {
      from: string;
      to: string;
      totals: {
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
        error_rate: number;
      };
      top_users: {
        user_id: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      }[];
      cost_by_model: {
        model: string;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
      }[];
      by_day: {
        day: string;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        /** @description In the currency of the catalog prices (per 1M tokens) */
        cost: number;
        error_rate: number;
      }[];
      errors_by_code: {
        code: string;
        count: number;
      }[];
    };
    WebhookSecret: {
      /** @constant */
      object: 'webhook_secret';
      /** @description The HMAC-SHA256 key of `Nexus-Signature` (the whole string) */
      secret: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      rotated_at: string | null;
      /** @description Until when the secret before the last rotation still signs (a second `v1=`) */
      previous_expires_at: string | null;
    };
    ActiveBranch: {
      id: string;
      title: string;
      /** @enum {string} */
      title_source: 'default' | 'auto' | 'user';
      model: string;
      system_prompt: string | null;
      params: {
        [key: string]: unknown;
      };
      knowledge_base_ids: string[];
      pinned: boolean;
      archived: boolean;
      archived_at: string | null;
      active_leaf_id: string | null;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      created_at: string;
      /**
       * Format: date-time
       * @example 2026-11-24T18:00:00.000Z
       */
      updated_at: string;
      messages: components['schemas']['ConversationMessage'][];
    };
  };
  responses: never;
  parameters: {
    /**
     * @description Makes the POST safe to retry: the first request with a key runs, repeats with the same key and body get its stored answer for 24 hours (header `Idempotent-Replayed: true`). Keys belong to the caller (tenant and credential). 422 `idempotency_key_mismatch` for another body, 409 `idempotency_key_in_use` while the first runs. See docs/tasks.md#idempotency.
     * @example 5c2f3a5e-0b8e-4d7a-9a51-7f0c3e1d2b44
     */
    IdempotencyKey: string;
  };
  requestBodies: never;
  headers: {
    /** @description `true` when this is the stored answer of an earlier request with the same Idempotency-Key */
    IdempotentReplayed: 'true';
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
