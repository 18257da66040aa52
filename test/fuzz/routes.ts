import type { FastifyInstance } from 'fastify';

/** One route of a Fastify app: a method and a URL pattern (`/interaction/:uid`). */
export interface Route {
  method: string;
  url: string;
}

/**
 * Every route of `app`, read from its route table (`printRoutes`): the tree is walked by its
 * indentation, four characters a level, each node's segment appended to its parent's path.
 */
export function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─ ]*)(\S.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const url = `${stack[depth - 1] ?? ''}${match[2]}`;
    stack[depth] = url;
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url });
  }
  return routes;
}
