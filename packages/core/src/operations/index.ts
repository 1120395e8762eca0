import type { Caller } from "../rate-limiter.js";
import { login, logout, register } from "./auth.js";
import type { OperationsContext } from "./context.js";
import { activate, verifyMfa } from "./mfa.js";
import { exchangeCodeForToken, issueAuthorizationCode, verifyIdToken } from "./sso.js";
import { currentUser } from "./user.js";

export { digest, type OperationsContext, type StepUpRule } from "./context.js";
export {
  activate,
  currentUser,
  exchangeCodeForToken,
  issueAuthorizationCode,
  login,
  logout,
  register,
  verifyIdToken,
  verifyMfa,
};

/**
 * The operations bound to one context: what both front doors call, each with the caller (its IP,
 * when a door knows it, the request id and the door, for the events). The limited ones without a
 * caller are still limited per account.
 */
export function createOperations(ctx: OperationsContext) {
  return {
    register: (input: Parameters<typeof register>[1], caller?: Caller) => register(ctx, input, caller),
    activate: (input: Parameters<typeof activate>[1], caller?: Caller) => activate(ctx, input, caller),
    login: (input: Parameters<typeof login>[1], caller?: Caller) => login(ctx, input, caller),
    verifyMfa: (input: Parameters<typeof verifyMfa>[1], caller?: Caller) => verifyMfa(ctx, input, caller),
    logout: (input: Parameters<typeof logout>[1], caller?: Caller) => logout(ctx, input, caller),
    currentUser: (input: Parameters<typeof currentUser>[1], caller?: Caller) =>
      currentUser(ctx, input, caller),
    issueAuthorizationCode: (input: Parameters<typeof issueAuthorizationCode>[1], caller?: Caller) =>
      issueAuthorizationCode(ctx, input, caller),
    exchangeCodeForToken: (input: Parameters<typeof exchangeCodeForToken>[1], caller?: Caller) =>
      exchangeCodeForToken(ctx, input, caller),
    verifyIdToken: (input: Parameters<typeof verifyIdToken>[1], caller?: Caller) =>
      verifyIdToken(ctx, input, caller),
  };
}

/** The operations by name: what the metrics count per operation. */
export type OperationName = keyof Operations;

export type Operations = ReturnType<typeof createOperations>;
