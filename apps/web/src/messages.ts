import { type ErrorReason, isAuthClientError } from "@authsvc/client";

/** What the user reads for each reason the service gives: what happened, and what to do. */
const MESSAGES: Record<ErrorReason, string> = {
  invalid_request: "Some fields are missing or not valid. Check them and try again.",
  payload_too_large: "That is too much text. Shorten the fields and try again.",
  unsupported_media_type: "The app sent a request the service does not accept. Reload the page.",
  not_found: "The app asked for something the service does not have. Reload the page.",
  invalid_credentials: "Wrong email or password.",
  invalid_code: "That code is not right. Check the latest email and try again.",
  code_expired: "That code has expired. Ask for a new one.",
  too_many_attempts: "Too many wrong codes. Ask for a new code.",
  resend_too_soon: "A code was sent moments ago. Wait a little before asking for another.",
  email_taken: "An account with this email already exists. Log in instead.",
  weak_password: "That password is too weak.",
  user_not_found: "This account no longer exists. Create it again.",
  factor_not_found: "This account has no email code set up yet. Confirm your email first.",
  factor_already_active: "This email is already confirmed. Log in.",
  session_not_found: "Your session has ended. Log in again.",
  mfa_required: "Enter the code we emailed you to continue.",
  invalid_grant: "That sign-in link was already used or has expired. Try again.",
  invalid_token: "The sign-in token was not accepted. Try again.",
  rate_limited: "Too many attempts. Wait a moment and try again.",
  service_unavailable: "The service is busy or down. Try again in a moment.",
  server_error: "Something went wrong on our side. Try again later.",
  password_expired: "Your password has expired: change it with your organization, then log in again.",
};

/** The message for a failed call; a call that got no answer at all is a network problem. */
export function messageFor(error: unknown): string {
  if (!isAuthClientError(error))
    return "The service could not be reached. Check your connection and try again.";
  const { data } = error;
  // The password policy's own words say what a weak password lacks.
  const causes = "errorCauses" in data ? data.errorCauses.map((cause) => cause.errorSummary).join(" ") : "";
  const retry = data.retryAfter ? ` Try again in about ${data.retryAfter} s.` : "";
  return [MESSAGES[data.reason] ?? MESSAGES.server_error, causes, retry]
    .filter(Boolean)
    .join(" ")
    .replace("  ", " ");
}
