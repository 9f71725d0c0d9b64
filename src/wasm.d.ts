/**
 * Wrangler bundles `.wasm` imports as compiled modules (its default CompiledWasm rule), so the
 * import is a `WebAssembly.Module`, not bytes: workerd refuses to compile WASM at run time.
 */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
