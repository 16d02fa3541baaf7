/**
 * Public interface of the web module: the pages' routes (the built files under web/dist, served
 * by the HTTP service). The pages themselves (web/src) are a browser bundle built by Vite.
 */
export { webRoutes, WEB_DIST, type WebRoutesOptions } from './server.ts';
