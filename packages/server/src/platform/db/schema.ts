import type { ColumnType, Generated } from 'kysely';

/** Timestamps are written by the database (`now()`) and read back as Date. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TenantsTable {
  id: string;
  name: string;
  slug: string;
  status: Generated<'active' | 'disabled'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string | null;
  display_name: Generated<string>;
  is_platform_admin: ColumnType<boolean, boolean | undefined, boolean>;
  status: Generated<'active' | 'disabled'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface MembershipsTable {
  tenant_id: string;
  user_id: string;
  role: string;
  created_at: CreatedAt;
}

export interface SettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: UpdatedAt;
  version: Generated<number>;
}

/** The whole database as Kysely sees it. Each migration that adds a table adds it here. */
export interface DB {
  tenants: TenantsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  settings: SettingsTable;
}
