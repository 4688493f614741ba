import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { problem } from './problem-details.filter';

/**
 * The web console's pages: scripts only from this origin (no inline script, no eval), styles from
 * this origin and the ones Ant Design's CSS-in-JS writes into <style> elements at run time, images
 * from here and data: URLs (the TOTP enrolment QR code), requests only to this API.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const CONSOLE_PATH = /^\/console(\/|$|\?)/;
// Vite names every asset by its content hash: a browser may keep those for good
const HASHED_ASSET = /^\/console\/assets\//;

/** The built console (dist/console, written by `npm run build:console`), found from the repository root. */
export function consoleRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

/** Cache policy of a console answer: hashed assets for a year, everything else (index.html) never stored. */
export function consoleCacheControl(url: string): string {
  return HASHED_ASSET.test(url) ? 'public, max-age=31536000, immutable' : 'no-store';
}

/**
 * Serves the console under /console: its files as they are, and index.html for every other path
 * (the app routes in the browser), so a deep link or a reload opens the right page.
 */
export async function registerConsole(fastify: FastifyInstance, root: string = consoleRoot()): Promise<void> {
  fastify.get('/console', (_request, reply) => reply.redirect('/console/', 308));
  await fastify.register(
    async (scope) => {
      const index = join(root, 'index.html');
      if (!existsSync(index)) {
        // the API runs without the console (e.g. specs that never built it): say how to get it
        scope.get('/*', (_request, reply) =>
          reply
            .status(503)
            .type('application/problem+json; charset=utf-8')
            .send(problem(503, 'console-not-built', 'The console is not built: run `npm run build`')),
        );
        return;
      }
      await scope.register(fastifyStatic, { root, prefix: '/', decorateReply: false, index: ['index.html'], wildcard: true, cacheControl: false, etag: true, lastModified: false });
      scope.setNotFoundHandler((request, reply) => {
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          return reply
            .status(404)
            .type('application/problem+json; charset=utf-8')
            .send(problem(404, 'not-found', 'No route matches this method and path'));
        }
        return reply.type('text/html; charset=utf-8').send(readFileSync(index));
      });
    },
    { prefix: '/console' },
  );
}
