/** Bench worker for the Portcullis, jose, Hono and floor cases: plain workerd, no compatibility flags. */
import { setupCoreCases } from "./cases.js";
import { benchWorker } from "./worker-app.js";

export default benchWorker(setupCoreCases);
