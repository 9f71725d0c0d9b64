import { app } from "./app.ts";

// Bun.serve takes the fetch handler as it is.
const server = Bun.serve({ port: Number(Bun.env.PORT ?? 3000), fetch: app });
console.log(`listening on ${server.url}`);
