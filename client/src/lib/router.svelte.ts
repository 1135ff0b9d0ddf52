/**
 * A small history-API router as a runes class. The browser's URL is the source of truth:
 * `route` re-reads `location` and is reactive through popstate (back/forward) via
 * createSubscriber, and through `navigate` (our own pushState, which fires no event).
 */
import { createContext } from 'svelte';
import { createSubscriber } from 'svelte/reactivity';
import { on } from 'svelte/events';
import { matchRoute, type Route } from './router.ts';

export class Router {
  #subscribe = createSubscriber((update) => on(window, 'popstate', update));
  /** Bumped by navigate(): pushState/replaceState do not fire popstate. */
  #version = $state(0);

  get route(): Route {
    this.#subscribe();
    void this.#version;
    return matchRoute(location.pathname, location.search);
  }

  /** The current path with its query string, e.g. for a ?next= redirect. */
  get href(): string {
    this.#subscribe();
    void this.#version;
    return location.pathname + location.search;
  }

  navigate(href: string, { replace = false }: { replace?: boolean } = {}): void {
    if (href === location.pathname + location.search && !replace) return;
    if (replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
    this.#version++;
    window.scrollTo(0, 0);
  }

  /**
   * Document-level click handler: plain left clicks on same-origin <a href> links become
   * client-side navigations, so components can use ordinary links.
   */
  handleClick = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || !anchor.href || anchor.hasAttribute('download')) return;
    if (anchor.target && anchor.target !== '_self') return;
    if (anchor.dataset.reload !== undefined) return;
    // An <a> element exposes its resolved URL's parts directly.
    if (anchor.origin !== location.origin) return;
    if (/^\/(api|yjs|socket\.io)\//.test(anchor.pathname)) return;
    // Same-page #fragment links keep their native scrolling behaviour.
    if (anchor.pathname === location.pathname && anchor.search === location.search && anchor.hash) return;
    event.preventDefault();
    this.navigate(anchor.pathname + anchor.search);
  };
}

export const [getRouter, setRouter] = createContext<Router>();
