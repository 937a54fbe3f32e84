import { Module } from '@nestjs/common';
import { DavService } from './dav.service';

/** The root dir as files: WebDAV, and watching it for changes. */
@Module({
  providers: [DavService],
  exports: [DavService],
})
export class FilesModule {}
