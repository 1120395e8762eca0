/**
 * Okta's rules that the Okta emulator shares with the embedded directory, so that both
 * answer as Okta does from one definition: `@authsvc/directory/okta-rules`.
 */
export { randomBase62 } from "./ids.js";
export { assertPasswordPolicy, PASSWORD_REQUIREMENTS_CAUSE } from "./password-policy.js";
