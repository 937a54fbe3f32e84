import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/access.decorator';
import { D1Error } from '../common/errors';
import { CACHE_ASSET, CACHE_INDEX, PAGE_HEADERS } from './page-headers';
import { PageFile, PageFiles } from './page-files';

/**
 * The page at `/` and its assets: public, since they hold no data (every call the page makes carries a
 * token). Only GET (and HEAD) of known file names; anything else stays d1's 404/405 error JSON.
 */
@ApiExcludeController()
@Controller()
@Public()
export class WebController {
  constructor(private readonly files: PageFiles) {}

  @Get()
  index(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const file = this.files.get('index.html');
    if (!file) throw new D1Error(404, 'NOT_FOUND', 'The page is not built; run `npm run build`');
    send(req, reply, file, CACHE_INDEX);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const file = this.files.get(`assets/${name}`);
    if (!file) throw new D1Error(404, 'NOT_FOUND', `No such file: assets/${name}`);
    send(req, reply, file, CACHE_ASSET);
  }
}

function send(req: FastifyRequest, reply: FastifyReply, file: PageFile, cache: string): void {
  void reply.headers(PAGE_HEADERS).header('cache-control', cache).header('etag', file.etag);
  void reply.header('vary', 'accept-encoding').type(file.type);
  if (req.headers['if-none-match'] === file.etag) {
    void reply.code(304).send();
    return;
  }
  const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip) void reply.header('content-encoding', 'gzip');
  void reply.send(gzip ? file.gzip : file.body);
}
