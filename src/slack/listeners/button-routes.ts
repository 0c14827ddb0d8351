import type { AllMiddlewareArgs, AnyMiddlewareArgs, App, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ButtonClick } from './reply.js';

type ClickChain = Middleware<SlackActionMiddlewareArgs<ButtonClick>>[];
type ClickArgs = SlackActionMiddlewareArgs<ButtonClick> & AllMiddlewareArgs;

export interface ButtonRoutes {
  /** The app for button listeners to register on: its `action(actionId, ...chain)` adds a route (action ids do not overlap). */
  buttons: App;
  /** The clicked button's chain, run; undefined when the request is no click on a route (then nothing acknowledges it). */
  click(args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> | undefined;
}

/**
 * Bolt runs every listener's middleware chain for every request it gets, so each `app.action` costs
 * every slash command's ack too (16 buttons: about as much main-thread CPU as the ack itself).
 * Buttons register here instead, and the app's global middleware hands a click (Bolt's
 * `{ type: 'block_actions' }` action) to its button's chain.
 */
export function routeButtons(app: App): ButtonRoutes {
  const routes: Array<{ actionId: string | RegExp; chain: ClickChain }> = [];
  const buttons = Object.create(app) as App;
  buttons.action = ((actionId: string | RegExp, ...chain: ClickChain) => {
    if (routes.some((route) => String(route.actionId) === String(actionId))) {
      throw new Error(`two buttons route ${String(actionId)}`);
    }
    routes.push({ actionId, chain });
  }) as App['action'];
  const routeOf = (actionId: string) =>
    routes.find((route) => (typeof route.actionId === 'string' ? route.actionId === actionId : route.actionId.test(actionId)));
  return {
    buttons,
    click(args) {
      if (args.body.type !== 'block_actions' || !('action' in args) || !args.action) return undefined;
      const route = routeOf((args as ClickArgs).action.action_id);
      return route ? runChain(route.chain, args as ClickArgs, 0) : undefined;
    },
  };
}

/** Bolt's order: each middleware gets a `next` that runs the rest; the last one's `next` does nothing. */
function runChain(chain: ClickChain, args: ClickArgs, index: number): Promise<void> {
  const middleware = chain[index];
  if (!middleware) return Promise.resolve();
  return middleware({ ...args, next: () => runChain(chain, args, index + 1) });
}
