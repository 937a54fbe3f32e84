import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Read, UploadBody, Write } from '../auth/access.decorator';
import { GetOrPost } from '../common/get-or-post.decorator';
import {
  CreateQuery,
  D1Query,
  FileTargetQuery,
  MetadataQuery,
  OpenQuery,
  RenameQuery,
  SaveAsQuery,
  UploadAndOpenQuery,
  UuidPipe,
} from './notebooks.dto';
import { NotebooksService } from './notebooks.service';

/** d1's notebook collection and lifecycle routes. */
@ApiTags('notebooks')
@Controller('notebooks')
export class NotebooksController {
  constructor(private readonly notebooks: NotebooksService) {}

  @Get()
  @Read()
  list() {
    return { notebooks: this.notebooks.list() };
  }

  @Delete()
  @Write()
  @HttpCode(204)
  async closeAll(): Promise<void> {
    await this.notebooks.closeAll();
  }

  @Post('upload')
  @Write()
  @UploadBody()
  @HttpCode(201)
  async upload(@D1Query(FileTargetQuery) q: FileTargetQuery, @Body() body: unknown) {
    return { path: await this.notebooks.upload(body, q) };
  }

  @Post('upload_and_open')
  @Write()
  @UploadBody()
  @HttpCode(201)
  async uploadAndOpen(@D1Query(UploadAndOpenQuery) q: UploadAndOpenQuery, @Body() body: unknown) {
    return { notebook: await this.notebooks.uploadAndOpen(body, q) };
  }

  // d1's path has a trailing slash; Nest strips one from every route, so it is written doubled.
  @GetOrPost('open//')
  @Write()
  @HttpCode(201)
  async open(@D1Query(OpenQuery) q: OpenQuery) {
    return { notebook: await this.notebooks.open(q) };
  }

  @Post('create')
  @Write()
  @HttpCode(201)
  async create(@D1Query(CreateQuery) q: CreateQuery) {
    return { notebook: await this.notebooks.create(q) };
  }

  @GetOrPost('metadata//')
  @Read()
  async metadata(@D1Query(MetadataQuery) q: MetadataQuery) {
    return { metadata: await this.notebooks.metadata(q.filepath) };
  }

  @Get(':uuid')
  @Read()
  get(@Param('uuid', UuidPipe) uuid: string) {
    return this.notebooks.read(uuid);
  }

  // Loads the file's version after someone else changed it (notebook_file_changed).
  @GetOrPost(':uuid/reload')
  @Write()
  reload(@Param('uuid', UuidPipe) uuid: string) {
    return this.notebooks.reload(uuid);
  }

  @Delete(':uuid')
  @Write()
  @HttpCode(204)
  async close(@Param('uuid', UuidPipe) uuid: string): Promise<void> {
    await this.notebooks.close(uuid);
  }

  @Patch(':uuid/save_as')
  @Write()
  async saveAs(@Param('uuid', UuidPipe) uuid: string, @D1Query(SaveAsQuery) q: SaveAsQuery) {
    return { path: await this.notebooks.saveAs(uuid, q) };
  }

  @Patch(':uuid/rename')
  @Write()
  async rename(@Param('uuid', UuidPipe) uuid: string, @D1Query(RenameQuery) q: RenameQuery) {
    return { path: await this.notebooks.rename(uuid, q) };
  }
}
