export {
  type OktaEmulator,
  type OktaEmulatorOptions,
  RECEIVED_REQUESTS_KEPT,
  type ReceivedRequest,
  startOktaEmulator,
} from "./emulator.js";
export type { ServiceApp } from "./oauth.js";
export {
  answersOf,
  type Recording,
  type ReplayServer,
  sanitizeRecording,
  startReplayServer,
} from "./recording.js";
export { type Exchange, type RecordingProxy, startRecordingProxy } from "./recording-proxy.js";
export type { Engine } from "./settings.js";
export { type RecordedAnswer, SpecChecker } from "./spec-check.js";
