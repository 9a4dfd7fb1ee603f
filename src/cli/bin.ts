import { loadDotEnv } from "../config.js";
import { main } from "./main.js";

// The CLI reads the same .env as the sidecar, so `lexreply doctor` checks what `npm start` will run with.
loadDotEnv();
process.exitCode = await main(process.argv.slice(2));
