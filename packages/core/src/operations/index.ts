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
 * The operations bound to one context: what both front doors call. The limited ones take the
 * caller (its IP, when a door knows it); without one they are still limited per account.
 */
export function createOperations(ctx: OperationsContext) {
  return {
    register: (input: Parameters<typeof register>[1], caller?: Caller) => register(ctx, input, caller),
    activate: (input: Parameters<typeof activate>[1], caller?: Caller) => activate(ctx, input, caller),
    login: (input: Parameters<typeof login>[1], caller?: Caller) => login(ctx, input, caller),
    verifyMfa: (input: Parameters<typeof verifyMfa>[1], caller?: Caller) => verifyMfa(ctx, input, caller),
    logout: (input: Parameters<typeof logout>[1]) => logout(ctx, input),
    currentUser: (input: Parameters<typeof currentUser>[1]) => currentUser(ctx, input),
    issueAuthorizationCode: (input: Parameters<typeof issueAuthorizationCode>[1]) =>
      issueAuthorizationCode(ctx, input),
    exchangeCodeForToken: (input: Parameters<typeof exchangeCodeForToken>[1]) =>
      exchangeCodeForToken(ctx, input),
    verifyIdToken: (input: Parameters<typeof verifyIdToken>[1]) => verifyIdToken(ctx, input),
  };
}

export type Operations = ReturnType<typeof createOperations>;
