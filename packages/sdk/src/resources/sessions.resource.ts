import type { RequestOptions } from '../core/transport.js';
import type {
  ConversationExport,
  Session,
  SessionCreateParams,
  SessionInvokeParams,
  Task,
} from '../types.js';
import { type InvokeStream, invoke, invokeStream } from './invoke.resource.js';
import { APIResource, seg } from './resource.js';

/**
 * Sessions: conversations used through `invoke` — the model sees the history, and each exchange is kept.
 * @example
 * const session = await client.sessions.create({ system_prompt: 'Answer in one sentence.' });
 * const first = await client.sessions.invoke(session.id, { prompt: 'My name is Ada.' });
 * const second = await client.sessions.invoke(session.id, { prompt: 'What is my name?' });
 */
export class Sessions extends APIResource {
  /**
   * `POST /v1/sessions`.
   * @example const session = await client.sessions.create({ model: 'local', title: 'Support chat' });
   */
  create(params: SessionCreateParams = {}, options?: RequestOptions): Promise<Session> {
    return this.transport.json<Session>({ method: 'POST', path: '/v1/sessions', body: params }, options);
  }

  /**
   * `GET /v1/sessions/:id`.
   * @example const session = await client.sessions.retrieve('conv_01jd8x3k5q9v7w2m4n6p8r0s1t');
   */
  retrieve(id: string, options?: RequestOptions): Promise<Session> {
    return this.transport.json<Session>({ method: 'GET', path: `/v1/sessions/${seg(id)}` }, options);
  }

  /**
   * `DELETE /v1/sessions/:id`.
   * @example await client.sessions.delete(session.id);
   */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.transport.json({ method: 'DELETE', path: `/v1/sessions/${seg(id)}` }, options);
  }

  /**
   * The next user message of the session: `invoke` with `task_type: text_generation`, `session_id` and
   * `input.prompt`. Answers the task (the reply in `output.text`).
   * @example const task = await client.sessions.invoke(session.id, { prompt: 'And in French?' });
   */
  invoke(
    id: string,
    params: SessionInvokeParams,
    options?: RequestOptions,
  ): Promise<Task<'text_generation'>> {
    const { prompt, ...rest } = params;
    return invoke(
      this.transport,
      { ...rest, task_type: 'text_generation', session_id: id, input: { prompt } },
      options,
    );
  }

  /**
   * {@link invoke} streamed: the same chunks as `client.invokeStream`.
   * @example for await (const c of await client.sessions.invokeStream(session.id, { prompt: 'Hi' })) if (c.type === 'task.delta') process.stdout.write(c.delta.content);
   */
  invokeStream(
    id: string,
    params: Omit<SessionInvokeParams, 'async'>,
    options?: RequestOptions,
  ): Promise<InvokeStream> {
    const { prompt, ...rest } = params;
    return invokeStream(
      this.transport,
      { ...rest, task_type: 'text_generation', session_id: id, input: { prompt } },
      options,
    );
  }

  /**
   * `GET /v1/sessions/:id/export`: the session's conversation as an export document.
   * @example const doc = await client.sessions.export(session.id); // doc.format === 'nexus.conversation'
   */
  export(id: string, options?: RequestOptions): Promise<ConversationExport> {
    return this.transport.json<ConversationExport>(
      { method: 'GET', path: `/v1/sessions/${seg(id)}/export` },
      options,
    );
  }

  /**
   * `POST /v1/sessions/import`: a new session from an export document.
   * @example const copy = await client.sessions.import(await client.sessions.export(session.id));
   */
  import(document: ConversationExport, options?: RequestOptions): Promise<Session> {
    return this.transport.json<Session>(
      { method: 'POST', path: '/v1/sessions/import', body: document },
      options,
    );
  }
}
