import { z } from 'zod';
import { DEFAULT_MAX_OUTPUT_CHARS } from '../render';

/** How long a run tool waits by default before answering with what there is so far. */
export const DEFAULT_TIMEOUT_S = 30;

/** The longest a run tool may be asked to wait. */
export const MAX_TIMEOUT_S = 600;

/** `notebook`: a uuid or a path. */
export const notebookArg = z
  .string()
  .min(1)
  .describe('The notebook: its uuid (from list_notebooks) or its path relative to the root dir');

/** `cell`: an id or an index. */
export const cellArg = z
  .union([z.number().int().min(0), z.string().min(1)])
  .describe('The cell: its index (0 is the first cell) or its id');

/** `timeout_seconds` of the tools that wait for a kernel. */
export const timeoutArg = z
  .number()
  .min(0)
  .max(MAX_TIMEOUT_S)
  .optional()
  .describe(
    `Seconds to wait for the result (default ${DEFAULT_TIMEOUT_S}, at most ${MAX_TIMEOUT_S}); after that the ` +
      'tool answers with the output so far and says the cell is still running',
  );

/** `max_output_chars`: how much of each text output to show. */
export const maxCharsArg = z
  .number()
  .int()
  .min(100)
  .max(10_000_000)
  .optional()
  .describe(
    `Characters shown of each text output (default ${DEFAULT_MAX_OUTPUT_CHARS}); the middle of a longer one is left out`,
  );
