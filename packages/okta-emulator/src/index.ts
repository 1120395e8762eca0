export {
  type OktaEmulator,
  type OktaEmulatorOptions,
  RECEIVED_REQUESTS_KEPT,
  type ReceivedRequest,
  startOktaEmulator,
} from "./emulator.js";
export type { ServiceApp } from "./oauth.js";
export type { Engine } from "./settings.js";
