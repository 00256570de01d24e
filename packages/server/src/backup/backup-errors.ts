import { AppError, type AppErrorOptions } from '../errors.js';

/**
 * Stable codes of `nexus backup` / `nexus restore` failures (docs/errors.md, docs/upgrading.md). Each one
 * is raised before anything is changed, except `restore_failed` after pg_restore started (it runs in one
 * transaction, so PostgreSQL is left as it was) and `restore_verification_failed` (reported after the fact).
 */
export type BackupErrorCode =
  | 'invalid_arguments'
  | 'backup_tool_missing'
  | 'backup_exists'
  | 'backup_failed'
  | 'backup_not_found'
  | 'backup_unreadable'
  | 'backup_invalid'
  | 'backup_corrupted'
  | 'backup_format_unsupported'
  | 'backup_kind_mismatch'
  | 'backup_schema_newer'
  | 'database_not_found'
  | 'database_in_use'
  | 'files_not_local'
  | 'restore_target_not_empty'
  | 'restore_target_newer'
  | 'restore_failed'
  | 'restore_verification_failed';

const STATUS: Record<BackupErrorCode, number> = {
  invalid_arguments: 400,
  backup_tool_missing: 500,
  backup_exists: 409,
  backup_failed: 500,
  backup_not_found: 404,
  backup_unreadable: 400,
  backup_invalid: 400,
  backup_corrupted: 400,
  backup_format_unsupported: 400,
  backup_kind_mismatch: 400,
  backup_schema_newer: 409,
  database_not_found: 404,
  database_in_use: 409,
  files_not_local: 400,
  restore_target_not_empty: 409,
  restore_target_newer: 409,
  restore_failed: 500,
  restore_verification_failed: 500,
};

/**
 * A backup or restore that cannot go on; `code` is stable, `message` says what to do.
 * @example throw new BackupError('backup_not_found', `no backup at ${file}`);
 */
export class BackupError extends AppError {
  readonly code: BackupErrorCode;
  readonly status: number;
  constructor(code: BackupErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.status = STATUS[code];
  }
}
