import { describe, expectTypeOf, it } from 'vitest';
import type {
  ApiKeyCreateParams,
  ApiKeyWithSecret,
  BatchResult,
  Conversation,
  ConversationCreateParams,
  ConversationExport,
  ConversationListParams,
  ConversationUpdateParams,
  DocumentCreateBody,
  DocumentListParams,
  FileBatchResult,
  FileListParams,
  FileObject,
  FilePurpose,
  InvokeCommon,
  InvokeParams,
  KnowledgeBaseCreateParams,
  KnowledgeSearchParams,
  KnowledgeSearchResponse,
  MessageCreateParams,
  MessageListParams,
  SessionCreateParams,
  Task,
  TaskListParams,
  TaskStatus,
  TaskWebhook,
} from '../src/index.js';

/**
 * The public types that come from the generated OpenAPI types resolve to real shapes (a path or schema
 * renamed on the server turns them into `never` and fails the typecheck, `npm run typecheck`), and the
 * task types are typed per `task_type`. The assertions are checked by tsc; at run time they are no-ops.
 */
describe('public types derived from the OpenAPI document', () => {
  it('resolve to the shapes the server declares', () => {
    for (const check of [
      expectTypeOf<ConversationCreateParams>().toHaveProperty('model'),
      expectTypeOf<ConversationUpdateParams>().toHaveProperty('pinned'),
      expectTypeOf<ConversationListParams>().toHaveProperty('cursor'),
      expectTypeOf<MessageListParams>().toHaveProperty('order'),
      expectTypeOf<MessageCreateParams>().toHaveProperty('content'),
      expectTypeOf<ConversationExport>().toHaveProperty('messages'),
      expectTypeOf<FileListParams>().toHaveProperty('purpose'),
      expectTypeOf<DocumentCreateBody>().toHaveProperty('file_id'),
      expectTypeOf<DocumentListParams>().toHaveProperty('status'),
      expectTypeOf<KnowledgeBaseCreateParams>().toHaveProperty('settings'),
      expectTypeOf<KnowledgeSearchParams>().toHaveProperty('filters'),
      expectTypeOf<KnowledgeSearchResponse>().toHaveProperty('data'),
      expectTypeOf<ApiKeyCreateParams>().toHaveProperty('scopes'),
      expectTypeOf<ApiKeyWithSecret>().toHaveProperty('secret'),
      expectTypeOf<TaskListParams>().toHaveProperty('task_type'),
      expectTypeOf<SessionCreateParams>().toHaveProperty('system_prompt'),
      expectTypeOf<InvokeCommon>().toHaveProperty('webhook_url'),
      expectTypeOf<TaskWebhook>().toHaveProperty('attempts'),
      expectTypeOf<FileBatchResult>().toHaveProperty('data'),
      expectTypeOf<BatchResult>().toHaveProperty('data'),
    ])
      void check;
    expectTypeOf<FilePurpose>().toEqualTypeOf<'document' | 'audio' | 'image' | 'video'>();
    expectTypeOf<TaskStatus>().toEqualTypeOf<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'>();
    expectTypeOf<Conversation['id']>().toEqualTypeOf<string>();
    expectTypeOf<FileObject['object']>().toEqualTypeOf<'file'>();
  });

  it('type a task by its task_type', () => {
    expectTypeOf<NonNullable<Task<'text_generation'>['output']>['text']>().toEqualTypeOf<string>();
    expectTypeOf<Task<'text_generation'>['output']>().toMatchTypeOf<{ text: string } | null>();
    expectTypeOf<NonNullable<Task<'text_to_speech'>['output']>['file_id']>().toEqualTypeOf<string>();
    expectTypeOf<InvokeParams<'speech_to_text'>['input']>().toEqualTypeOf<{ file_id: string }>();
    // @ts-expect-error: a text_generation task takes prompt or messages, not file_id
    const wrong: InvokeParams<'text_generation'> = { task_type: 'text_generation', input: { file_id: 'f' } };
    void wrong;
  });
});
