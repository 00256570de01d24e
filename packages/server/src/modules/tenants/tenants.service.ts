import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import { type Executor, withTransaction } from '../../platform/db/transaction.js';
import {
  type AccessService,
  PermissionDeniedError,
  requirePlatformAdmin,
  requirePrincipal,
  requireUser,
} from '../access/access.service.js';
import { BUILT_IN_ROLES, isBuiltInRole, type Permission, roleRank } from '../access/permissions.js';
import type { RequestContext } from '../access/principal.js';
import type { RolesRepository } from '../access/roles.repository.js';
import type { AuditService } from '../audit/audit.service.js';
import { hashSecret, newSecret } from '../identity/token.service.js';
import type { InviteRow, MemberRow, TenantRow, TenantsRepository } from './tenants.repository.js';

export class InvalidInviteError extends NotFoundError {
  override readonly code = 'invalid_invite';
}

export class LastOwnerError extends ConflictError {
  override readonly code = 'last_owner';
}

/** Tenants, their members and invites, and the platform admin's tenant administration. */
export class TenantsService {
  constructor(
    private readonly deps: {
      db: Executor;
      tenants: TenantsRepository;
      roles: RolesRepository;
      access: AccessService;
      audit: AuditService;
      inviteTtlSeconds: number;
    },
  ) {}

  async listMine(ctx: RequestContext): Promise<(TenantRow & { role: string })[]> {
    const user = requireUser(ctx);
    return this.deps.tenants.listForUser(this.deps.db, user.userId);
  }

  async create(ctx: RequestContext, name: string): Promise<TenantRow> {
    const user = requireUser(ctx);
    const tenant = await this.createWithOwner(name, user.userId);
    await this.deps.audit.record(ctx, {
      action: 'tenant.create',
      result: 'success',
      tenantId: tenant.id,
      target: { type: 'tenant', id: tenant.id },
    });
    return tenant;
  }

  async get(ctx: RequestContext, tenantId: string): Promise<TenantRow> {
    await this.deps.access.require(ctx, tenantId, 'tenant:read');
    return this.mustGet(tenantId);
  }

  async rename(ctx: RequestContext, tenantId: string, name: string): Promise<TenantRow> {
    await this.deps.access.require(ctx, tenantId, 'tenant:update');
    const tenant = await this.deps.tenants.update(this.deps.db, tenantId, { name });
    if (!tenant) throw new NotFoundError('No such tenant');
    await this.deps.audit.record(ctx, {
      action: 'tenant.update',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
      details: { name },
    });
    return tenant;
  }

  async listMembers(ctx: RequestContext, tenantId: string): Promise<MemberRow[]> {
    await this.deps.access.require(ctx, tenantId, 'members:read');
    return this.deps.tenants.listMembers(this.deps.db, tenantId);
  }

  async changeRole(ctx: RequestContext, tenantId: string, userId: string, role: string): Promise<void> {
    await this.deps.access.require(ctx, tenantId, 'members:update');
    await this.checkAssignable(ctx, tenantId, role);
    const current = await this.deps.tenants.getMembership(this.deps.db, tenantId, userId);
    if (!current) throw new NotFoundError('No such member');
    await this.checkManageable(ctx, tenantId, current.role);
    await withTransaction(this.deps.db, async (trx) => {
      if (current.role === 'owner' && role !== 'owner') await this.keepAnOwner(trx, tenantId);
      await this.deps.tenants.setMemberRole(trx, tenantId, userId, role);
    });
    await this.deps.access.forgetTenant(tenantId);
    await this.deps.audit.record(ctx, {
      action: 'member.role_change',
      result: 'success',
      tenantId,
      target: { type: 'user', id: userId },
      details: { from: current.role, to: role },
    });
  }

  async removeMember(ctx: RequestContext, tenantId: string, userId: string): Promise<void> {
    const self = requireUser(ctx).userId === userId;
    if (!self) await this.deps.access.require(ctx, tenantId, 'members:remove');
    else await this.deps.access.permissionsIn(ctx.principal!, tenantId);
    const current = await this.deps.tenants.getMembership(this.deps.db, tenantId, userId);
    if (!current) throw new NotFoundError('No such member');
    if (!self) await this.checkManageable(ctx, tenantId, current.role);
    await withTransaction(this.deps.db, async (trx) => {
      if (current.role === 'owner') await this.keepAnOwner(trx, tenantId);
      await this.deps.tenants.removeMember(trx, tenantId, userId);
    });
    await this.deps.access.forgetTenant(tenantId);
    await this.deps.audit.record(ctx, {
      action: 'member.remove',
      result: 'success',
      tenantId,
      target: { type: 'user', id: userId },
    });
  }

  async createInvite(
    ctx: RequestContext,
    tenantId: string,
    input: { role: string; email?: string },
  ): Promise<{ invite: InviteRow; token: string }> {
    const user = requireUser(ctx);
    await this.deps.access.require(ctx, tenantId, 'members:invite');
    await this.checkAssignable(ctx, tenantId, input.role);
    const token = newSecret('nxi_');
    const invite = await this.deps.tenants.createInvite(this.deps.db, tenantId, {
      id: newId('inv'),
      token_hash: hashSecret(token),
      role: input.role,
      email: input.email?.toLowerCase() ?? null,
      created_by: user.userId,
      expires_at: new Date(Date.now() + this.deps.inviteTtlSeconds * 1000),
    });
    await this.deps.audit.record(ctx, {
      action: 'member.invite',
      result: 'success',
      tenantId,
      target: { type: 'invite', id: invite.id },
      details: { role: input.role },
    });
    return { invite, token };
  }

  async listInvites(ctx: RequestContext, tenantId: string): Promise<InviteRow[]> {
    await this.deps.access.require(ctx, tenantId, 'members:invite');
    return this.deps.tenants.listInvites(this.deps.db, tenantId);
  }

  async revokeInvite(ctx: RequestContext, tenantId: string, inviteId: string): Promise<void> {
    await this.deps.access.require(ctx, tenantId, 'members:invite');
    if (!(await this.deps.tenants.revokeInvite(this.deps.db, tenantId, inviteId)))
      throw new NotFoundError('No such pending invite');
    await this.deps.audit.record(ctx, {
      action: 'member.invite_revoke',
      result: 'success',
      tenantId,
      target: { type: 'invite', id: inviteId },
    });
  }

  /** Joins the invite's tenant with its role. An invite works once; a used, revoked or expired one is 404. */
  async acceptInvite(ctx: RequestContext, token: string): Promise<{ tenant: TenantRow; role: string }> {
    const user = requireUser(ctx);
    const result = await withTransaction(this.deps.db, async (trx) => {
      const invite = await this.deps.tenants.consumeInvite(trx, hashSecret(token), user.userId);
      if (!invite) return undefined;
      const existing = await this.deps.tenants.getMembership(trx, invite.tenant_id, user.userId);
      if (existing) throw new ConflictError('You are already a member of this tenant');
      await this.deps.tenants.addMember(trx, invite.tenant_id, user.userId, invite.role);
      return invite;
    });
    if (!result) {
      await this.deps.audit.record(ctx, {
        action: 'member.invite_accept',
        result: 'failure',
        details: { reason: 'invalid_invite' },
      });
      throw new InvalidInviteError('The invite is invalid, already used, revoked or expired');
    }
    await this.deps.audit.record(ctx, {
      action: 'member.invite_accept',
      result: 'success',
      tenantId: result.tenant_id,
      target: { type: 'invite', id: result.id },
    });
    return { tenant: await this.mustGet(result.tenant_id), role: result.role };
  }

  // Platform administration.

  async adminList(ctx: RequestContext, page: { before?: string; limit: number }): Promise<TenantRow[]> {
    requirePlatformAdmin(ctx);
    return this.deps.tenants.listAll(this.deps.db, page);
  }

  async adminCreate(ctx: RequestContext, input: { name: string; ownerUserId?: string }): Promise<TenantRow> {
    const admin = requirePlatformAdmin(ctx);
    const tenant = await this.createWithOwner(input.name, input.ownerUserId ?? admin.userId).catch(
      (error) => {
        // The membership's foreign key names a user who does not exist: the transaction rolled back.
        if ((error as { code?: string }).code === '23503') throw new NotFoundError('No such user');
        throw error;
      },
    );
    await this.deps.audit.record(ctx, {
      action: 'admin.tenant_create',
      result: 'success',
      tenantId: tenant.id,
      target: { type: 'tenant', id: tenant.id },
    });
    return tenant;
  }

  async adminSetStatus(
    ctx: RequestContext,
    tenantId: string,
    status: 'active' | 'disabled',
  ): Promise<TenantRow> {
    requirePlatformAdmin(ctx);
    const tenant = await this.deps.tenants.update(this.deps.db, tenantId, { status });
    if (!tenant) throw new NotFoundError('No such tenant');
    await this.deps.access.forgetTenant(tenantId);
    await this.deps.audit.record(ctx, {
      action: status === 'disabled' ? 'admin.tenant_disable' : 'admin.tenant_enable',
      result: 'success',
      tenantId,
      target: { type: 'tenant', id: tenantId },
    });
    return tenant;
  }

  private async createWithOwner(name: string, ownerUserId: string): Promise<TenantRow> {
    return withTransaction(this.deps.db, async (trx) => {
      const id = newId('ten');
      const tenant = await this.deps.tenants.create(trx, {
        id,
        name,
        slug: `${slugify(name)}-${id.slice(-8)}`,
      });
      await this.deps.tenants.addMember(trx, id, ownerUserId, 'owner');
      return tenant;
    });
  }

  /**
   * A role must exist, and nobody may hand out a role ranked above their own (only owners make owners) or
   * one with permissions they do not hold themselves (for an API key: its effective permissions).
   */
  private async checkAssignable(ctx: RequestContext, tenantId: string, role: string): Promise<void> {
    const custom = isBuiltInRole(role)
      ? undefined
      : await this.deps.roles.getByName(this.deps.db, tenantId, role);
    if (!isBuiltInRole(role) && !custom) {
      throw new ValidationError(`No role named "${role}" in this tenant`, { details: { role } });
    }
    if (roleRank(role) >= 3) return this.requireOwner(ctx, tenantId);
    await this.checkOutranks(ctx, tenantId, role, custom?.permissions, 'grant');
  }

  /**
   * Changing or removing someone is bounded the same way: not an owner unless you are one, not someone
   * ranked above you, and not someone whose role holds permissions you lack.
   */
  private async checkManageable(ctx: RequestContext, tenantId: string, targetRole: string): Promise<void> {
    if (roleRank(targetRole) >= 3) return this.requireOwner(ctx, tenantId);
    const custom = isBuiltInRole(targetRole)
      ? undefined
      : await this.deps.roles.getByName(this.deps.db, tenantId, targetRole);
    await this.checkOutranks(ctx, tenantId, targetRole, custom?.permissions ?? [], 'manage');
  }

  private async checkOutranks(
    ctx: RequestContext,
    tenantId: string,
    role: string,
    customPermissions: string[] | undefined,
    verb: 'grant' | 'manage',
  ): Promise<void> {
    const principal = requirePrincipal(ctx);
    const callerRole = await this.deps.access.roleOf(principal.userId, tenantId);
    if (roleRank(role) > roleRank(callerRole ?? ''))
      throw new PermissionDeniedError(
        verb === 'grant'
          ? `Only owners and admins can grant the ${role} role`
          : `Only owners and admins can change or remove a member with the ${role} role`,
        { details: { role } },
      );
    const held = await this.deps.access.permissionsIn(principal, tenantId);
    const permissions = isBuiltInRole(role) ? [...BUILT_IN_ROLES[role]] : (customPermissions ?? []);
    const beyond = permissions.filter((p) => !held.has(p as Permission));
    if (beyond.length > 0)
      throw new PermissionDeniedError(
        verb === 'grant'
          ? 'You cannot grant a role with permissions you do not have'
          : 'You cannot change or remove a member whose role has permissions you do not have',
        { details: { role, permissions_not_held: beyond } },
      );
  }

  /** Inside the transaction that demotes or removes an owner: locks the owners and keeps at least one. */
  private async keepAnOwner(trx: Executor, tenantId: string): Promise<void> {
    if ((await this.deps.tenants.lockOwners(trx, tenantId)) <= 1)
      throw new LastOwnerError('A tenant needs at least one owner');
  }

  private async requireOwner(ctx: RequestContext, tenantId: string): Promise<void> {
    const user = requireUser(ctx);
    const membership = await this.deps.tenants.getMembership(this.deps.db, tenantId, user.userId);
    if (membership?.role !== 'owner')
      throw new PermissionDeniedError('Only owners can grant or take away the owner role');
  }

  private async mustGet(tenantId: string): Promise<TenantRow> {
    const tenant = await this.deps.tenants.get(this.deps.db, tenantId);
    if (!tenant) throw new NotFoundError('No such tenant');
    return tenant;
  }
}

function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'tenant'
  );
}
