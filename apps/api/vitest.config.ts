import { defineConfig } from "vitest/config";

// Most files start a whole Tally (migrations, auth, the serve() handler) or seed a database in beforeAll.
// On a busy 2-core CI machine, with other files' servers and child processes beside them, that has passed
// vitest's 10 s hook default, and a hook that times out skips its file's tests. Tests that bound a wait on
// purpose set their own timeout.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } });
