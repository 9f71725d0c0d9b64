/**
 * The deployable gateway Worker of this repository (`npm start`, `wrangler deploy`): exactly
 * what a user deploys after `npm install portcullis`, configured by wrangler.toml. In this
 * repository "portcullis/worker" resolves to the source (the alias in wrangler.toml and the
 * paths in tsconfig.json); examples/worker builds the same entry from the packed tarball.
 */
export { default } from "portcullis/worker";
