import { createAuth } from "portcullis";
import { memoryStores } from "portcullis/adapters/memory";
import { argon2idHasher, emailPassword } from "portcullis/password";

/**
 * Memory stores keep this example self-contained: users and sessions last as long as the
 * process. For real data use portcullis/adapters/sqlite or /postgres (Node), or D1 (Workers).
 */
export const password = emailPassword({ hasher: argon2idHasher() });

export const auth = createAuth({
  stores: memoryStores(),
  plugins: [password],
  settings: {
    // Behind a proxy (or under `next start`, whose request.url is its own bind address) set the
    // address browsers use; CSRF checks fall back to it when a browser sends no Sec-Fetch-Site.
    publicOrigin: process.env.PUBLIC_ORIGIN ?? null,
  },
});
