/**
 * The `main` worker of the workerd test project: Durable Object classes must be
 * exported from a worker entry to be bound, and this one exists only for that.
 * Tests call the adapters directly; nothing routes requests here.
 */
export { PortcullisStore } from "../../src/adapters/durable-object/index.js";

export default {
  async fetch(): Promise<Response> {
    return new Response("portcullis test worker: nothing here", { status: 404 });
  },
};
