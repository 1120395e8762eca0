export { DEFAULT_SCOPES, readPrivateKey, type ServiceAppCredential } from "./credential.js";
export {
  createOktaProvider,
  DEFAULT_MAX_RETRIES,
  DEFAULT_PROFILE_CACHE_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type OktaProviderOptions,
} from "./okta-provider.js";
export { endpointOf, type OktaCall, type OktaCallObserver } from "./request-executor.js";
