/**
 * Every permission is `resource:action`. Built-in roles are fixed sets; custom roles (per tenant) pick any
 * subset. API key scopes use the same names.
 */
export const PERMISSIONS = [
  'tenant:read',
  'tenant:update',
  'members:read',
  'members:invite',
  'members:update',
  'members:remove',
  'roles:read',
  'roles:write',
  'api_keys:read',
  'api_keys:write',
  'audit:read',
  'chat:read',
  'chat:write',
  'kb:read',
  'kb:write',
  'files:read',
  'files:write',
  'tasks:read',
  'tasks:write',
  'usage:read',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const ALL = new Set<Permission>(PERMISSIONS);
const READS = PERMISSIONS.filter((p) => p.endsWith(':read') && p !== 'audit:read' && p !== 'api_keys:read');

export const BUILT_IN_ROLES = {
  owner: ALL,
  admin: new Set<Permission>(PERMISSIONS),
  member: new Set<Permission>([
    'tenant:read',
    'members:read',
    'roles:read',
    'api_keys:read',
    'api_keys:write',
    'chat:read',
    'chat:write',
    'kb:read',
    'kb:write',
    'files:read',
    'files:write',
    'tasks:read',
    'tasks:write',
    'usage:read',
  ]),
  viewer: new Set<Permission>(READS),
} satisfies Record<string, ReadonlySet<Permission>>;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

export function isBuiltInRole(name: string): name is BuiltInRole {
  return Object.hasOwn(BUILT_IN_ROLES, name);
}

export function isPermission(value: string): value is Permission {
  return (ALL as ReadonlySet<string>).has(value);
}

/** Roles ranked for "may not grant more than you have": owner > admin > everyone else. */
export function roleRank(role: string): number {
  return role === 'owner' ? 3 : role === 'admin' ? 2 : 1;
}
