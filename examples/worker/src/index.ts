// The whole gateway: identity (sign-up, sign-in, sessions, API keys, the admin API) and the
// identity-aware proxy in front of ORIGIN_URL, configured by the variables in wrangler.toml.
export { default } from "portcullis/worker";
