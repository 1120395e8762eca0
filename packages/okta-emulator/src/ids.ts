import { randomBase62 } from "@authsvc/directory/okta-rules";

/** Okta's ids: a three-character type prefix ("00u" user, "emf" email factor, "00o" org) and 17 characters. */
export const newUserId = () => `00u${randomBase62(17)}`;
export const newFactorId = () => `emf${randomBase62(17)}`;
export const newOrgId = () => `00o${randomBase62(17)}`;
/** Okta's session ids: "102" and 25 characters (148 bits). */
export const newSessionId = () => `102${randomBase62(25)}`;
/** Okta's sessionTokens start with "20111"; its stateTokens with "00". */
export const newSessionToken = () => `20111${randomBase62(37)}`;
export const newStateToken = () => `00${randomBase62(40)}`;
export const newRequestId = () => randomBase62(27);
export const newErrorId = () => `oae${randomBase62(22)}`;
