import { NotFoundError } from '../../errors.js';
import type { RequestContext } from '../access/principal.js';
import type { ExportDocument, ImportDocument } from '../conversations/conversation-export.js';
import type { ConversationRow } from '../conversations/conversations.repository.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import { SessionNotFoundError } from './tasks.service.js';

export interface SessionView {
  id: string;
  object: 'session';
  conversation_id: string;
  model: string;
  system_prompt: string | null;
  title: string;
  created_at: string;
  updated_at: string;
}

/**
 * Sessions: conversations used through `invoke` (`session_id`), so an app keeps history without managing
 * messages. A session is its conversation (same id, same permissions: `chat:read` / `chat:write`); it can
 * also be opened with the conversations API.
 * @example const session = await sessions.create(ctx, { systemPrompt: 'You are terse.' });
 */
export class SessionsService {
  constructor(
    private readonly deps: {
      conversations: Pick<ConversationsService, 'create' | 'get' | 'delete' | 'exportJson' | 'import'>;
      /** The model of a session created without one (`INVOKE_TEXT_MODEL`). */
      defaultModel: string;
    },
  ) {}

  async create(
    ctx: RequestContext,
    input: {
      model?: string | undefined;
      systemPrompt?: string | null | undefined;
      title?: string | undefined;
    },
  ): Promise<SessionView> {
    const row = await this.deps.conversations.create(ctx, {
      model: input.model ?? this.deps.defaultModel,
      ...(input.title === undefined ? {} : { title: input.title }),
      ...(input.systemPrompt === undefined ? {} : { systemPrompt: input.systemPrompt }),
    });
    return sessionView(row);
  }

  async get(ctx: RequestContext, id: string): Promise<SessionView> {
    return sessionView(await notFoundAsSession(this.deps.conversations.get(ctx, id)));
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await notFoundAsSession(this.deps.conversations.delete(ctx, id));
  }

  /** The session's conversation as re-importable JSON (every message and branch). */
  async export(ctx: RequestContext, id: string): Promise<ExportDocument> {
    return notFoundAsSession(this.deps.conversations.exportJson(ctx, id));
  }

  /** A new session from an exported document (all or nothing). */
  async import(ctx: RequestContext, document: ImportDocument): Promise<SessionView> {
    return sessionView(await this.deps.conversations.import(ctx, document));
  }
}

function sessionView(row: ConversationRow): SessionView {
  return {
    id: row.id,
    object: 'session',
    conversation_id: row.id,
    model: row.model,
    system_prompt: row.system_prompt,
    title: row.title,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

async function notFoundAsSession<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof NotFoundError ? new SessionNotFoundError() : error;
  }
}
