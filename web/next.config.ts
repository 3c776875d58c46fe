import type { NextConfig } from 'next';

/**
 * The console is served by the API process (`next({ dev: false, dir: 'web' })`), same-origin
 * with `/v1`, so there are no rewrites or CORS settings here.
 */
const nextConfig: NextConfig = {
  // `@crony/shared` is TypeScript source whose files import each other with `.ts` extensions;
  // it must be compiled by Next rather than loaded as runtime code.
  transpilePackages: ['@crony/shared'],
  typedRoutes: false,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
