/**
 * Quota plans for `npm run bench -- ops`, set through the same QuotaService the admin API uses (as a
 * platform administrator): a plan with the given budgets, given to one user.
 */
import type { Container } from '../packages/server/src/container.js';
import type { PlanInput } from '../packages/server/src/modules/quotas/quota.service.js';

export async function givePlan(
  container: Container,
  user: { userId: string; tenantId: string },
  name: string,
  budgets: PlanInput,
): Promise<void> {
  const admin = {
    principal: { kind: 'user' as const, userId: user.userId, sessionId: 'bench', isPlatformAdmin: true },
    ip: '127.0.0.1',
    userAgent: 'bench',
    requestId: 'bench-plan',
  };
  const { quotas } = container.services;
  const existing = await quotas.listPlans(admin);
  if (!existing.some((p) => p.name === name)) await quotas.createPlan(admin, name, budgets);
  await quotas.setUserPlan(admin, user.tenantId, user.userId, name);
}
