import { AnsiUp } from 'ansi_up';
import DOMPurify from 'dompurify';
import { marked } from 'marked';

/** Streams longer than this show their last lines only, so a flood of output never stalls the page. */
export const MAX_SHOWN_LINES = 5000;

/** Text with ANSI colour codes as HTML (escaped: the text itself can never become markup). */
export function ansiToHtml(text: string): string {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  return ansi.ansi_to_html(text);
}

/** The last `max` lines of a text, and how many lines came before them. */
export function tailLines(text: string, max = MAX_SHOWN_LINES): { text: string; hidden: number } {
  let pos = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let n = 0; n < max; n++) {
    pos = pos > 0 ? text.lastIndexOf('\n', pos - 1) : -1;
    if (pos < 0) return { text, hidden: 0 };
  }
  let hidden = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i <= pos; i = text.indexOf('\n', i + 1)) hidden++;
  return { text: text.slice(pos + 1), hidden };
}

/** HTML from a notebook output or a markdown cell, with anything that could run script removed. */
export function sanitize(html: string): string {
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true, svg: true, svgFilters: true },
    FORBID_TAGS: ['form'],
  });
}

/** A markdown cell's source as sanitised HTML. */
export function markdownToHtml(source: string): string {
  return sanitize(marked.parse(source, { async: false, gfm: true }));
}

// Links in rendered markdown and HTML outputs open elsewhere and never hand this page to them.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});
