import { validationFailed } from "./okta-errors.js";

/** Okta's wording for a password its default policy refuses. */
export const PASSWORD_REQUIREMENTS_CAUSE =
  "password: Password requirements were not met. Password requirements: at least 8 characters, " +
  "a lowercase letter, an uppercase letter, a number, no parts of your username, " +
  "does not include your first name, does not include your last name.";

const MIN_LENGTH = 8;
/** Shorter name parts (Al, Li, Bo) would forbid too many passwords to protect anything. */
const MIN_FORBIDDEN_PART_LENGTH = 3;

/** Okta's default password policy; throws E0000001 with Okta's cause when the password breaks it. */
export function assertPasswordPolicy(
  password: string,
  user: { login: string; firstName: string; lastName: string },
): void {
  const lowered = password.toLowerCase();
  const usernamePart = user.login.split("@")[0] ?? "";
  const forbidden = [usernamePart, user.firstName, user.lastName]
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part.length >= MIN_FORBIDDEN_PART_LENGTH);
  const met =
    [...password].length >= MIN_LENGTH &&
    /\p{Ll}/u.test(password) &&
    /\p{Lu}/u.test(password) &&
    /\d/.test(password) &&
    !forbidden.some((part) => lowered.includes(part));
  if (!met) throw validationFailed("password", PASSWORD_REQUIREMENTS_CAUSE, "weak_password");
}
