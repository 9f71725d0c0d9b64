import { bundledArgon2Module } from "../../src/credentials/password/argon2-module-bytes.js";
import { describeArgon2idWasm } from "./argon2id-wasm-suite.js";

// Node compiles the bytes embedded in the package (argon2-wasm-bytes.ts).
describeArgon2idWasm(bundledArgon2Module());
