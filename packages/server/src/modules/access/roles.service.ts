import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Executor } from '../../platform/db/transaction.js';
import type { AuditService } from '../audit/audit.service.js';
import { type AccessService, PermissionDeniedError, requirePrincipal } from './access.service.js';
import { BUILT_IN_ROLES, isBuiltInRole, isPermission, PERMISSIONS, type Permission } from './permissions.js';
import type { RequestContext } from './principal.js';
import type { RoleRow, RolesRepository } from './roles.repository.js';

export interface RoleView {
  id: string | null;
  name: string;
  description: string;
  permissions: string[];
  built_in: boolean;
}

/** Built-in roles plus each tenant's custom roles (sets of `resource:action` permissions). */
export class RolesService {
  constructor(
    private readonly deps: {
      db: Executor;
      roles: RolesRepository;
      access: AccessService;
      audit: AuditService;
    },
  ) {}

  async list(ctx: RequestContext): Promise<RoleView[]> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'roles:read');
    const builtIn = Object.entries(BUILT_IN_ROLES).map(([name, perms]) => ({
      id: null,
      name,
      description: `Built-in ${name} role`,
      permissions: PERMISSIONS.filter((p) => perms.has(p)),
      built_in: true,
    }));
    return [...builtIn, ...(await this.deps.roles.list(this.deps.db, tenantId)).map(view)];
  }

  async create(
    ctx: RequestContext,
    input: { name: string; description?: string; permissions: string[] },
  ): Promise<RoleView> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'roles:write');
    if (isBuiltInRole(input.name)) throw new ConflictError(`"${input.name}" is a built-in role name`);
    checkPermissions(input.permissions);
    await this.checkHeld(ctx, tenantId, input.permissions);
    try {
      const role = await this.deps.roles.create(this.deps.db, tenantId, {
        id: newId('role'),
        name: input.name,
        description: input.description ?? '',
        permissions: [...new Set(input.permissions)],
      });
      await this.deps.audit.record(ctx, {
        action: 'role.create',
        result: 'success',
        tenantId,
        target: { type: 'role', id: role.id },
        details: { permissions: role.permissions },
      });
      return view(role);
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new ConflictError(`A role named "${input.name}" already exists`);
      throw error;
    }
  }

  async update(
    ctx: RequestContext,
    roleId: string,
    input: { description?: string; permissions?: string[] },
  ): Promise<RoleView> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'roles:write');
    if (input.permissions) {
      checkPermissions(input.permissions);
      await this.checkHeld(ctx, tenantId, input.permissions);
    }
    const role = await this.deps.roles.update(this.deps.db, tenantId, roleId, {
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.permissions === undefined ? {} : { permissions: [...new Set(input.permissions)] }),
    });
    if (!role) throw new NotFoundError('No such role');
    await this.deps.access.forgetTenant(tenantId);
    await this.deps.audit.record(ctx, {
      action: 'role.update',
      result: 'success',
      tenantId,
      target: { type: 'role', id: role.id },
      details: { permissions: role.permissions },
    });
    return view(role);
  }

  async delete(ctx: RequestContext, roleId: string): Promise<void> {
    const tenantId = await this.deps.access.resolveTenant(ctx);
    await this.deps.access.require(ctx, tenantId, 'roles:write');
    const role = await this.deps.roles.get(this.deps.db, tenantId, roleId);
    if (!role) throw new NotFoundError('No such role');
    const [members, pendingInvites] = await Promise.all([
      this.deps.roles.countMembersWithRole(this.deps.db, tenantId, role.name),
      this.deps.roles.countPendingInvitesWithRole(this.deps.db, tenantId, role.name),
    ]);
    if (members > 0 || pendingInvites > 0) {
      throw new ConflictError(
        members > 0
          ? 'Members still have this role; give them another role first'
          : 'Pending invites give this role; revoke them first',
        { details: { members, pending_invites: pendingInvites } },
      );
    }
    await this.deps.roles.delete(this.deps.db, tenantId, roleId);
    await this.deps.access.forgetTenant(tenantId);
    await this.deps.audit.record(ctx, {
      action: 'role.delete',
      result: 'success',
      tenantId,
      target: { type: 'role', id: roleId },
    });
  }

  /** Nobody may put a permission they do not hold into a role (else roles:write would be every permission). */
  private async checkHeld(ctx: RequestContext, tenantId: string, permissions: string[]): Promise<void> {
    const held = await this.deps.access.permissionsIn(requirePrincipal(ctx), tenantId);
    const beyond = permissions.filter((p) => !held.has(p as Permission));
    if (beyond.length > 0)
      throw new PermissionDeniedError('You cannot put permissions you do not have into a role', {
        details: { permissions_not_held: beyond },
      });
  }
}

function checkPermissions(permissions: string[]): void {
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0)
    throw new ValidationError(`Unknown permissions: ${unknown.join(', ')}`, {
      details: { unknown_permissions: unknown },
    });
}

const view = (role: RoleRow): RoleView => ({
  id: role.id,
  name: role.name,
  description: role.description,
  permissions: role.permissions,
  built_in: false,
});
