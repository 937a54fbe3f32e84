// class-transformer keeps the metadata of @Type() in this module but ships no declaration for it; the
// OpenAPI schemas of nested DTOs need it.
declare module 'class-transformer/cjs/storage' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

  export const defaultMetadataStorage: MetadataStorage;
}
