/**
 * The conformance kit: the suites every Portcullis store adapter passes, exported so
 * third-party adapters can run them (`import { describeStores } from "portcullis/testing"`).
 * They register vitest tests; call them at the top level of a test file.
 */
export { describeStores, describeKeyStore, type ConformanceStores, type StoreSuiteOptions } from "./store-suite.js";
export { describeSessionStore } from "./session-store-suite.js";
export { describeAtomicStores, type AtomicFixture } from "./atomic-suite.js";
export { describeApiKeyStore, type ApiKeyStoreSuiteOptions } from "./api-key-store-suite.js";
export { describeAccessStore, type AccessStoreSuiteOptions } from "./access-store-suite.js";
