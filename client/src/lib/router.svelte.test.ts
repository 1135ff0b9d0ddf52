// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { Router } from './router.svelte.ts';

function click(el: Element, init: MouseEventInit = {}): MouseEvent {
  const event = new MouseEvent('click', { bubbles: true, cancelable: true, button: 0, ...init });
  el.dispatchEvent(event);
  return event;
}

let router: Router;
beforeEach(() => {
  history.replaceState(null, '', '/');
  router = new Router();
  document.addEventListener('click', router.handleClick);
});
afterEach(() => {
  document.removeEventListener('click', router.handleClick);
  document.body.innerHTML = '';
});

describe('Router', () => {
  it('navigates with pushState and reports the new route', () => {
    router.navigate('/rooms/r1');
    expect(location.pathname).toBe('/rooms/r1');
    expect(router.route).toEqual({ name: 'room', roomId: 'r1' });
    router.navigate('/login?next=%2Frooms', { replace: true });
    expect(router.route).toEqual({ name: 'login', next: '/rooms' });
  });

  it('turns plain clicks on same-origin links into client-side navigation', () => {
    document.body.innerHTML = '<a href="/rooms"><span>My rooms</span></a>';
    const event = click(document.querySelector('span') as Element);
    expect(event.defaultPrevented).toBe(true);
    expect(location.pathname).toBe('/rooms');
  });

  it('leaves modified clicks, new-tab links, other origins and API links to the browser', () => {
    document.body.innerHTML = `
      <a id="mod" href="/rooms">x</a>
      <a id="blank" href="/rooms" target="_blank">x</a>
      <a id="ext" href="https://example.org/">x</a>
      <a id="api" href="/api/me">x</a>
      <a id="reload" href="/rooms" data-reload>x</a>`;
    expect(click(document.getElementById('mod') as Element, { ctrlKey: true }).defaultPrevented).toBe(false);
    expect(click(document.getElementById('blank') as Element).defaultPrevented).toBe(false);
    expect(click(document.getElementById('ext') as Element).defaultPrevented).toBe(false);
    expect(click(document.getElementById('api') as Element).defaultPrevented).toBe(false);
    expect(click(document.getElementById('reload') as Element).defaultPrevented).toBe(false);
  });

  it('follows back and forward (popstate) inside an effect', () => {
    const seen: string[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(router.route.name);
      });
    });
    flushSync();
    router.navigate('/rooms');
    flushSync();
    history.replaceState(null, '', '/signup');
    window.dispatchEvent(new PopStateEvent('popstate'));
    flushSync();
    stop();
    expect(seen).toEqual(['home', 'rooms', 'signup']);
  });
});
