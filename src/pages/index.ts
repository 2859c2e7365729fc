/**
 * Offline pages: GraphiQL (served from installed packages, subscriptions over graphql-ws) at
 * the GraphQL endpoint's GET, and the sampler comparison page at `/`. Nothing loads from a CDN.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';

const require = createRequire(import.meta.url);
/** The pages' HTML, CSS and JS, next to this module: src/pages/static, copied to dist/ by the build. */
const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');

/** Browser bundles shipped inside installed packages, by the name the pages load them under. */
const VENDOR: Record<string, string> = {
  'react.js': 'react/umd/react.production.min.js',
  'react-dom.js': 'react-dom/umd/react-dom.production.min.js',
  'graphiql.js': 'graphiql/graphiql.min.js',
  'graphiql.css': 'graphiql/graphiql.min.css',
  'graphql-ws.js': 'graphql-ws/umd/graphql-ws.min.js',
};

/** A file inside an installed package, found through its package.json (exports maps hide umd/). */
function vendorFile(path: string): string {
  const [pkg, ...rest] = path.split('/');
  return join(dirname(require.resolve(`${pkg}/package.json`)), ...rest);
}

export interface PagesOptions {
  /** Path of the GraphQL endpoint (HTTP and WebSocket). Default `/graphql`. */
  readonly graphqlPath?: string;
  /** Where the assets are mounted. Default `/_sampler`. */
  readonly assetsPath?: string;
  /** Path of the comparison page. Default `/`. */
  readonly comparePath?: string;
}

function page(file: string, vars: Record<string, string>): string {
  let html = readFileSync(join(STATIC_DIR, file), 'utf8');
  for (const [k, v] of Object.entries(vars)) html = html.replaceAll(`{{${k}}}`, v);
  return html;
}

/** Whether a GET on the GraphQL path comes from a browser that wants the IDE. */
export function wantsHtml(req: Request): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html') && req.query.query === undefined;
}

/**
 * An express router serving the IDE (GET `graphqlPath` from a browser), the comparison page
 * and their assets. Mount it before the GraphQL middleware: other requests pass through.
 */
export function createPagesRouter(options: PagesOptions = {}): Router {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  const assetsPath = options.assetsPath ?? '/_sampler';
  const comparePath = options.comparePath ?? '/';
  const vars = { GRAPHQL_PATH: graphqlPath, ASSETS: assetsPath, COMPARE_PATH: comparePath };
  const router = express.Router();
  const html = (file: string) => (req: Request, res: Response, next: () => void) => {
    if (req.method !== 'GET') return next();
    res.type('html').set('Cache-Control', 'no-cache').send(page(file, vars));
  };
  router.get(graphqlPath, (req, res, next) => (wantsHtml(req) ? html('graphiql.html')(req, res, next) : next()));
  router.get(comparePath, html('compare.html'));
  for (const [name, path] of Object.entries(VENDOR)) {
    const file = vendorFile(path);
    router.get(`${assetsPath}/vendor/${name}`, (_req, res) => res.set('Cache-Control', 'public, max-age=3600').sendFile(file));
  }
  router.use(assetsPath, express.static(STATIC_DIR, { index: false, maxAge: 0 }));
  return router;
}
