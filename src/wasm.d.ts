/**
 * A `.wasm?module` import is a precompiled `WebAssembly.Module`, not bytes: wrangler, workerd's
 * test pool and Next's Turbopack all compile it ahead of time (Workers refuse run-time compiles).
 */
declare module "*.wasm?module" {
  const module: WebAssembly.Module;
  export default module;
}
