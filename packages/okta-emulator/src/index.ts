export { type OktaEmulator, type OktaEmulatorOptions, startOktaEmulator } from "./emulator.js";
