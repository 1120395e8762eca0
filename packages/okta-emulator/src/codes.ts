import { AuthError, type CodePurpose } from "@authsvc/core";
import type { Context } from "./context.js";
import { oktaFailure } from "./okta-errors.js";

/** Mails a code through core's OneTimeCodes (ttl, single use, five tries, one mail per 5 s), in Okta's words. */
export async function sendCode(context: Context, userId: string, email: string, purpose: CodePurpose) {
  try {
    await context.codes.send(userId, email, purpose);
  } catch (error) {
    throw inOktaWords(error);
  }
}

export async function checkCode(context: Context, userId: string, purpose: CodePurpose, passCode: string) {
  try {
    await context.codes.check(userId, purpose, passCode);
  } catch (error) {
    throw inOktaWords(error);
  }
}

/** Core words E0000047 and E0000118 for the service's users; the emulator answers Okta's summaries. */
function inOktaWords(error: unknown): unknown {
  if (!(error instanceof AuthError)) return error;
  const code = error.okta?.errorCode;
  if (code === "E0000047" || code === "E0000118") return oktaFailure(code);
  // No Okta body: the mail could not be sent.
  return error.okta ? error : oktaFailure("E0000009");
}
