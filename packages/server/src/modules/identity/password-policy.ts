import { ValidationError } from '../../errors.js';

export class WeakPasswordError extends ValidationError {}

const MAX_LENGTH = 256;

/**
 * NIST 800-63B style: length is what matters (no composition rules), capped so argon2 cannot be made to
 * hash megabytes, and never the email or its name part.
 */
export function checkPassword(
  password: string,
  email: string | null,
  minLength: number,
  field = 'password',
): void {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < minLength) problems.push(`must be at least ${minLength} characters`);
  if (length > MAX_LENGTH) problems.push(`must be at most ${MAX_LENGTH} characters`);
  if (email) {
    const lower = password.toLowerCase();
    const address = email.toLowerCase();
    const local = address.split('@')[0] ?? '';
    if (lower === address || (local.length >= 3 && lower.includes(local)))
      problems.push('must not contain your email address');
  }
  if (password.trim().length === 0 && length > 0) problems.push('must not be only spaces');
  if (problems.length > 0) {
    throw new WeakPasswordError(`The password ${problems.join(' and ')}`, {
      details: [{ location: 'body', path: field, message: problems.join('; '), issue: 'weak_password' }],
    });
  }
}
