/** Editors are created when their cell comes near the viewport, so a long notebook opens at once. */
const callbacks = new Map<Element, () => void>();
let observer: IntersectionObserver | null = null;

function shared(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const cb = callbacks.get(e.target);
        callbacks.delete(e.target);
        observer?.unobserve(e.target);
        cb?.();
      }
    },
    { rootMargin: '800px 0px' },
  );
  return observer;
}

/** Calls `cb` once, when `el` comes within a screenful of the viewport; returns the cancel function. */
export function whenNearViewport(el: Element, cb: () => void): () => void {
  callbacks.set(el, cb);
  shared().observe(el);
  return () => {
    callbacks.delete(el);
    shared().unobserve(el);
  };
}
