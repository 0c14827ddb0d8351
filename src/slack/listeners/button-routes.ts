import type { AllMiddlewareArgs, App, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ButtonClick } from './reply.js';

type ClickChain = Middleware<SlackActionMiddlewareArgs<ButtonClick>>[];
type ClickArgs = SlackActionMiddlewareArgs<ButtonClick> & AllMiddlewareArgs;

export interface ButtonRoutes {
  /** The app for button listeners to register on: its `action(actionId, ...chain)` adds a route (action ids do not overlap). */
  buttons: App;
  /** Give Bolt the one listener for every route; call after the last route. */
  listen(): void;
}

/**
 * Bolt runs every listener's middleware chain for every request it gets, so each `app.action` costs
 * every slash command's ack too (16 buttons: about as much main-thread CPU as the ack itself).
 * Buttons register here instead, and one Bolt listener hands a click to its button's chain.
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
    listen() {
      // A click on no route is left unacknowledged, as when no listener matched it.
      app.action<ButtonClick>({ type: 'block_actions' }, async (args) => {
        const route = routeOf(args.action.action_id);
        if (route) await runChain(route.chain, args, 0);
      });
    },
  };
}

/** Bolt's order: each middleware gets a `next` that runs the rest; the last one's `next` does nothing. */
function runChain(chain: ClickChain, args: ClickArgs, index: number): Promise<void> {
  const middleware = chain[index];
  if (!middleware) return Promise.resolve();
  return middleware({ ...args, next: () => runChain(chain, args, index + 1) });
}
