import { Module } from '@nestjs/common';
import { PageFiles, pageDir } from './page-files';
import { WebController } from './web.controller';

/** d1's own page at `/`, built by `npm run build` into dist/web. */
@Module({
  controllers: [WebController],
  providers: [{ provide: PageFiles, useFactory: () => new PageFiles(pageDir()) }],
})
export class WebModule {}
