import { Module } from '@nestjs/common';
import { DavService } from './dav.service';
import { WatchService } from './watch.service';

/** The root dir as files: WebDAV, and watching it for changes. */
@Module({
  providers: [DavService, WatchService],
  exports: [DavService],
})
export class FilesModule {}
