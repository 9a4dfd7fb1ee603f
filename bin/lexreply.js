#!/usr/bin/env node
// The compiled CLI (npm run build, which npm start runs first); in a checkout that was never built,
// the TypeScript source through tsx (a development dependency).
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/bin.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/bin.ts");
}
