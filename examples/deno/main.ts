import { app } from "./app.ts";

// Deno.serve takes the fetch handler as it is.
Deno.serve({ port: Number(Deno.env.get("PORT") ?? 3000) }, app);
