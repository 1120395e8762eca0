// Runs the consumer's compiled flow in its own project, as the app would; asks the check that
// started it (over IPC) for each emailed code, and answers what the flow saw.
import { signUpToSingleSignOn } from "./out/app.js";

const waiting = new Map();
let asked = 0;
process.on("message", ({ id, code }) => {
  waiting.get(id)?.(code);
  waiting.delete(id);
});
const nextCode = (email) =>
  new Promise((resolve) => {
    asked += 1;
    waiting.set(asked, resolve);
    process.send({ type: "code", id: asked, email });
  });

try {
  const person = JSON.parse(process.env.PERSON);
  const result = await signUpToSingleSignOn(process.env.AUTH_URL, person, nextCode);
  process.send({ type: "done", result });
} catch (error) {
  process.send({
    type: "failed",
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}
process.disconnect();
