import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { static as serveStatic, type NextFunction, type Request, type Response } from 'express';

/** Where `npm run build:console` writes the console: `dist/console` beside `package.json`. */
export function consoleAssetsDir(from: string = __dirname): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
  }
  return undefined;
}

/**
 * Serves the operator console's page shell and bundle at `/console/`. The shell is public (it holds no
 * data); every figure it shows comes from /admin with the operator's token. When the bundle was not
 * built the page says how to build it, instead of answering 404.
 */
export function consoleAssets(dir = consoleAssetsDir()) {
  const files = dir ? serveStatic(dir, { index: 'index.html', fallthrough: false, maxAge: 0 }) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    // Relative asset paths in index.html need the trailing slash.
    if (req.originalUrl === '/console' || req.originalUrl.startsWith('/console?')) return res.redirect(301, '/console/');
    if (!files || !existsSync(join(dir!, 'index.html'))) {
      res.status(503).type('text/plain').send('The console is not built: run "npm run build" (or "npm run build:console"), then reload this page.');
      return;
    }
    return files(req, res, next);
  };
}
