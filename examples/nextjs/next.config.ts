import type { NextConfig } from "next";

// Nothing Portcullis-specific: the package ships compiled JavaScript, so Next's default bundler
// (Turbopack) builds it as is; no transpilePackages, no webpack aliases.
const nextConfig: NextConfig = {};

export default nextConfig;
