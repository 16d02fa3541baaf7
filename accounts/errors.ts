import { defineError } from '../core/index.ts';

/** The accounts module's error catalogue (docs/errors.md). */
export const AccountErrors = {
  BadSignIn: defineError('ACCOUNTS_ERR_BAD_SIGN_IN', 'wrong user name or password', 401),
  Locked: defineError(
    'ACCOUNTS_ERR_LOCKED',
    'too many wrong passwords for this account: try again in %s s',
    429,
  ),
  Csrf: defineError(
    'ACCOUNTS_ERR_CSRF',
    'a request signed in by cookie needs its CSRF token (header x-csrf-token)',
    403,
  ),
  PasswordChangeRequired: defineError(
    'ACCOUNTS_ERR_PASSWORD_CHANGE_REQUIRED',
    'this password was set by an admin: change it first (PUT /api/v1/session/password)',
    403,
  ),
  WeakPassword: defineError('ACCOUNTS_ERR_WEAK_PASSWORD', 'password refused: %s', 400),
  UsernameTaken: defineError('ACCOUNTS_ERR_USERNAME_TAKEN', 'user name %s is taken', 409),
  UnknownUser: defineError('ACCOUNTS_ERR_UNKNOWN_USER', 'no user %s', 404),
  UserDisabled: defineError('ACCOUNTS_ERR_USER_DISABLED', 'user %s is disabled', 409),
  NotAUser: defineError(
    'ACCOUNTS_ERR_NOT_A_USER',
    'this is an API token of no user account: %s needs a signed-in user',
    409,
  ),
  NotAnEngineer: defineError(
    'ACCOUNTS_ERR_NOT_AN_ENGINEER',
    'user %s is a %s: only an engineer serves outlets',
    409,
  ),
  UnitCode: defineError(
    'ACCOUNTS_ERR_UNIT_CODE',
    'linking a unit needs its verification code (header x-verification-code)',
    400,
  ),
  NotLinked: defineError('ACCOUNTS_ERR_NOT_LINKED', 'unit %s is not linked to this account', 404),
};
