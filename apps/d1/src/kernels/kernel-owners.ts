/**
 * What the /kernels routes ask of whatever gives kernels to owners (notebooks): which kernel an owner's id
 * stands for. The execution layer provides it; kernels/ itself knows nothing of notebooks.
 */
export abstract class KernelOwners {
  /**
   * The kernel of the owner with this id, once it can take requests; undefined when no owner has the id.
   * Throws (a 503 saying why) when the owner's kernel cannot start.
   */
  abstract kernelIdOf(id: string): Promise<string | undefined>;
}
