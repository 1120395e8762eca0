import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Where `npm run dev` sends API calls: the service started by `npm start` (PORT 3000) unless told. */
const serviceUrl = process.env.AUTHSVC_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/trpc": serviceUrl } },
  build: { outDir: "dist", sourcemap: false },
});
