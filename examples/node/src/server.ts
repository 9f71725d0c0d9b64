import { createServer } from "node:http";
import { toNodeHandler } from "portcullis/node";
import { app } from "./app.js";

const port = Number(process.env.PORT ?? 3000);
createServer(toNodeHandler(app)).listen(port, () => {
  console.log(`listening on http://localhost:${port}`);
});
