export { type OktaEmulator, type OktaEmulatorOptions, startOktaEmulator } from "./emulator.js";
export type { Engine } from "./settings.js";
