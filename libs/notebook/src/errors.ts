/** A notebook (or part of one) does not follow nbformat 4; the message starts with the JSON path at fault. */
export class NotebookFormatError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(path ? `${path}: ${problem}` : problem);
    this.name = 'NotebookFormatError';
  }
}

/** No cell with this uuid in the notebook. */
export class CellNotFoundError extends Error {
  constructor(readonly uuid: string) {
    super(`Cell not found with uuid: ${uuid}`);
    this.name = 'CellNotFoundError';
  }
}
