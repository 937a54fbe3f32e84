import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { python } from '@codemirror/lang-python';
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { Compartment, EditorState, type Extension, Transaction } from '@codemirror/state';
import { EditorView, type KeyBinding, drawSelection, keymap, lineNumbers } from '@codemirror/view';
import { mergeText, textChanges } from '@d1/client';

/** How long typing may pause before the source goes to d1. */
export const SEND_DELAY_MS = 300;

export type EditorLanguage = 'python' | 'text';

export interface CellEditorOptions {
  source: string;
  language: EditorLanguage;
  readOnly: boolean;
  /** Sends a source to d1 (PATCH); rejects when d1 refused it. */
  send: (source: string) => Promise<unknown>;
  /** Keys handled before the editor's own (run, leave, split). */
  keys: KeyBinding[];
  /** Something happened to the user's text that they should know about (e.g. replaced by another client). */
  notice: (notice: EditorNotice | null) => void;
  onFocus: () => void;
}

/** A remote edit replaced text you had typed; `mine` is what you had. */
export interface EditorNotice {
  kind: 'replaced' | 'merged';
  mine: string;
}

const readOnlyConf = new Compartment();

/**
 * CodeMirror for one cell, kept in step with d1. Typing goes to d1 after a pause; an update from d1 replaces
 * the text only when nothing typed here is unsent, otherwise the unsent edit is merged into it (and sent),
 * so another client's edit never silently drops what you typed.
 */
export class CellEditor {
  readonly view: EditorView;
  /** The server source the editor's text derives from. */
  private base: string;
  /** Sources sent to d1 whose echo has not come back yet. */
  private sent: string[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private typedSinceFocus = false;

  constructor(
    parent: HTMLElement,
    private readonly opts: CellEditorOptions,
  ) {
    this.base = opts.source;
    this.view = new EditorView({
      parent,
      state: EditorState.create({ doc: opts.source, extensions: this.extensions() }),
    });
  }

  private extensions(): Extension[] {
    return [
      keymap.of(this.opts.keys),
      lineNumbers(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      this.opts.language === 'python' ? python() : [],
      keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap]),
      readOnlyConf.of(readOnlyExtensions(this.opts.readOnly)),
      EditorView.lineWrapping,
      EditorView.updateListener.of((u) => {
        if (u.focusChanged && u.view.hasFocus) {
          this.typedSinceFocus = false;
          this.opts.onFocus();
        }
        if (u.docChanged && u.transactions.some((t) => t.docChanged && !t.annotation(Transaction.remote))) {
          this.typedSinceFocus = true;
          this.schedule();
        }
      }),
    ];
  }

  /** The text in the editor now. */
  text(): string {
    return this.view.state.doc.toString();
  }

  /** The text if it differs from what d1 has or was sent; it then counts as sent. */
  private takeUnsent(): string | null {
    const text = this.text();
    const known = this.sent.length ? this.sent[this.sent.length - 1] : this.base;
    if (text === known) return null;
    this.sent.push(text);
    return text;
  }

  /**
   * Sends the text if d1 does not have it yet, through `via` (default: a PATCH of the source), after any
   * send of this cell still on its way: d1 then takes this cell's edits in the order they were made.
   * Resolves to whether anything was sent.
   */
  flush(via: (source: string) => Promise<unknown> = this.opts.send): Promise<boolean> {
    this.cancelTimer();
    const run = this.chain.then(async () => {
      const text = this.takeUnsent();
      if (text === null) return false;
      try {
        await via(text);
        return true;
      } catch (err) {
        const i = this.sent.indexOf(text);
        if (i >= 0) this.sent.splice(i, 1);
        throw err;
      }
    });
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The cell's source as d1 now has it. */
  serverSource(theirs: string): void {
    const echo = this.sent.indexOf(theirs);
    if (echo >= 0) {
      this.sent.splice(0, echo + 1);
      this.base = theirs;
      return;
    }
    if (theirs === this.base) return;
    const base = this.base;
    const mine = this.text();
    this.base = theirs;
    if (mine === theirs) return;
    if (mine === base) {
      // Everything typed here had reached d1; a later edit from elsewhere replaces it, but not silently.
      if (this.view.hasFocus && this.typedSinceFocus) this.opts.notice({ kind: 'replaced', mine });
      this.replaceWith(theirs);
      return;
    }
    const merged = mergeText(base, mine, theirs);
    this.replaceWith(merged.text);
    if (!merged.clean) this.opts.notice({ kind: 'merged', mine });
    if (merged.text !== theirs) this.schedule(0);
  }

  /** Puts back text the user had (after a notice) as their own edit, sent like typing. */
  restore(text: string): void {
    this.view.dispatch({ changes: textChanges(this.text(), text) });
    this.schedule(0);
  }

  setReadOnly(readOnly: boolean): void {
    this.view.dispatch({ effects: readOnlyConf.reconfigure(readOnlyExtensions(readOnly)) });
  }

  focus(): void {
    this.view.focus();
  }

  destroy(): void {
    this.cancelTimer();
    this.view.destroy();
  }

  private replaceWith(text: string): void {
    const changes = textChanges(this.text(), text);
    if (changes.length) this.view.dispatch({ changes, annotations: Transaction.remote.of(true) });
  }

  private schedule(delay = SEND_DELAY_MS): void {
    this.cancelTimer();
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), delay);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function readOnlyExtensions(readOnly: boolean): Extension {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}
