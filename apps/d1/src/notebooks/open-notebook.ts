import type { NotebookModel } from '@d1/notebook';
import type { Debouncer } from './autosave';
import type { NotebookKernelspec } from '../kernels/kernelspec';
import type { FileStamp } from './notebook-files';

/**
 * One open notebook as NotebooksService holds it: a document (its kernel is the execution layer's). The
 * execution layer reads it through `NotebooksService.get()`; it changes `model` only through the model's
 * methods and then calls `NotebooksService.markChanged()` so the file follows.
 */
export interface OpenNotebook {
  /** The notebook uuid (`metadata.jupyter_d1.uuid`). */
  readonly uuid: string;
  /** The live notebook: cells, outputs, undo history. */
  readonly model: NotebookModel;
  /** Absolute path of the notebook file; null for a notebook that lives only in memory. */
  path: string | null;
  /** False when opened with `upload_and_open?autosave=false`: d1 then never writes the file by itself. */
  autosave: boolean;
  /** Absolute working directory of the kernel (always inside the root dir). */
  workingDirectory: string;
  /** The kernel spec in use, as written to `metadata.kernelspec`. */
  kernelspec: NotebookKernelspec;
  /** What the last autosave wrote (hash, mtime, size); null before the first write. */
  lastWrite: FileStamp | null;
  /** The debounced, atomic writer of this notebook's file. */
  readonly saver: Debouncer;
  /** Set once the notebook is closed; late kernel starts and writes check it. */
  closed: boolean;
}
