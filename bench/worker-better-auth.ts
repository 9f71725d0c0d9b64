/** Bench worker for Better Auth, which needs compatibility_flags = ["nodejs_compat"] in workerd. */
import { setupBetterAuthCases } from "./cases-better-auth.js";
import { benchWorker } from "./worker-app.js";

export default benchWorker(setupBetterAuthCases);
