import { loadArgon2Module } from "../../src/credentials/password/argon2-wasm-node.js";
import { describeArgon2idWasm } from "./argon2id-wasm-suite.js";

describeArgon2idWasm(await loadArgon2Module());
