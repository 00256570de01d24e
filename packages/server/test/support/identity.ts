import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Mailer, MailMessage } from '../../src/modules/identity/mailer.js';

/** A mailer that keeps what it was asked to send (mail is outside us: the fake stands in for SMTP). */
export class CapturingMailer implements Mailer {
  readonly kind = 'log' as const;
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }
}

export interface Session {
  access: string;
  refresh: string;
  userId: string;
  tenantId: string;
  sessionId: string;
  auth: { authorization: string };
}

let counter = 0;
export const uniqueEmail = (label = 'user') => `${label}.${Date.now().toString(36)}.${counter++}@example.com`;
export const PASSWORD = 'correct horse battery staple';

/** Registers a fresh user through the real API and returns their tokens and personal tenant. */
export async function registerUser(
  app: FastifyInstance,
  email = uniqueEmail(),
  password = PASSWORD,
): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password, device_name: 'test' },
  });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json();
  return {
    access: body.access_token,
    refresh: body.refresh_token,
    userId: body.user_id,
    tenantId: body.tenant_id,
    sessionId: body.session_id,
    auth: { authorization: `Bearer ${body.access_token}` },
  };
}

export async function login(
  app: FastifyInstance,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
) {
  return app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, headers });
}
