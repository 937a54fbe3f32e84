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
import { Fails } from '../common/openapi-errors';
import { Doc, empty, json } from '../common/openapi.decorators';

/** d1's notebook collection and lifecycle routes. */
@ApiTags('notebooks')
@Controller('notebooks')
export class NotebooksController {
  constructor(private readonly notebooks: NotebooksService) {}

  @Get()
  @Read()
  @Doc('Lists the open notebooks, in the order they were opened', json('NotebooksResponse'))
  list() {
    return { notebooks: this.notebooks.list() };
  }

  @Delete()
  @Write()
  @HttpCode(204)
  @Doc('Closes every notebook (their files stay)', empty())
  async closeAll(): Promise<void> {
    await this.notebooks.closeAll();
  }

  @Post('upload')
  @Write()
  @UploadBody()
  @HttpCode(201)
  @Doc(
    'Writes an uploaded notebook to a file, with a new uuid, without opening it',
    json('PathResponse', 201, 'The file written, relative to the root dir'),
    Fails.fileExists,
    Fails.outsideRoot,
    Fails.notParsed,
    Fails.noDirectory,
  )
  async upload(@D1Query(FileTargetQuery) q: FileTargetQuery, @Body() body: unknown) {
    return { path: await this.notebooks.upload(body, q) };
  }

  @Post('upload_and_open')
  @Write()
  @UploadBody()
  @HttpCode(201)
  @Doc(
    'Opens an uploaded notebook (or returns the open one with its uuid), saved to a file unless autosave=false',
    json('NotebookResponse', 201),
    Fails.fileExists,
    Fails.outsideRoot,
    Fails.notParsed,
    Fails.filenameNeeded,
    Fails.noDirectory,
    Fails.kernelsUnavailable,
  )
  async uploadAndOpen(@D1Query(UploadAndOpenQuery) q: UploadAndOpenQuery, @Body() body: unknown) {
    return { notebook: await this.notebooks.uploadAndOpen(body, q) };
  }

  // d1's path has a trailing slash; Nest strips one from every route, so it is written doubled.
  @GetOrPost('open//')
  @Write()
  @HttpCode(201)
  @Doc(
    'Opens a notebook file and starts its kernel, or returns the notebook already open from it',
    json('NotebookResponse', 201),
    Fails.outsideRoot,
    Fails.notParsed,
    Fails.noFile,
    Fails.kernelsUnavailable,
  )
  async open(@D1Query(OpenQuery) q: OpenQuery) {
    return { notebook: await this.notebooks.open(q) };
  }

  @Post('create')
  @Write()
  @HttpCode(201)
  @Doc(
    'Creates an empty notebook file, opens it and starts its kernel',
    json('NotebookResponse', 201),
    Fails.fileExists,
    Fails.outsideRoot,
    Fails.noDirectory,
    Fails.kernelsUnavailable,
  )
  async create(@D1Query(CreateQuery) q: CreateQuery) {
    return { notebook: await this.notebooks.create(q) };
  }

  @GetOrPost('metadata//')
  @Read()
  @Doc(
    "A notebook file's metadata (the open notebook's, if it is open), without opening it",
    json('MetadataResponse'),
    Fails.outsideRoot,
    Fails.notParsed,
    Fails.noFile,
  )
  async metadata(@D1Query(MetadataQuery) q: MetadataQuery) {
    return { metadata: await this.notebooks.metadata(q.filepath) };
  }

  @Get(':uuid')
  @Read()
  @Doc(
    'The whole notebook, with the version its websocket messages reached',
    json('VersionedNotebookResponse'),
  )
  get(@Param('uuid', UuidPipe) uuid: string) {
    return this.notebooks.read(uuid);
  }

  // Loads the file's version after someone else changed it (notebook_file_changed).
  @GetOrPost(':uuid/reload')
  @Write()
  @Doc(
    "Replaces the notebook's cells with its file's (after notebook_file_changed); clients get a notebook_snapshot",
    json('VersionedNotebookResponse'),
    Fails.noFileToReload,
    Fails.notParsed,
    Fails.noFile,
  )
  reload(@Param('uuid', UuidPipe) uuid: string) {
    return this.notebooks.reload(uuid);
  }

  @Delete(':uuid')
  @Write()
  @HttpCode(204)
  @Doc('Closes the notebook: pending changes saved, kernel shut down; the file stays', empty())
  async close(@Param('uuid', UuidPipe) uuid: string): Promise<void> {
    await this.notebooks.close(uuid);
  }

  @Patch(':uuid/save_as')
  @Write()
  @Doc(
    'Saves the notebook to another file, which it keeps (the old file stays)',
    json('PathResponse', 200, 'The new absolute path'),
    Fails.fileExists,
    Fails.outsideRoot,
    Fails.noDirectory,
  )
  async saveAs(@Param('uuid', UuidPipe) uuid: string, @D1Query(SaveAsQuery) q: SaveAsQuery) {
    return { path: await this.notebooks.saveAs(uuid, q) };
  }

  @Patch(':uuid/rename')
  @Write()
  @Doc(
    'Saves the notebook to another file and deletes the old one (just_metadata: renames in memory only)',
    json('PathResponse', 200, 'The new absolute path'),
    Fails.fileExists,
    Fails.outsideRoot,
    Fails.noDirectory,
  )
  async rename(@Param('uuid', UuidPipe) uuid: string, @D1Query(RenameQuery) q: RenameQuery) {
    return { path: await this.notebooks.rename(uuid, q) };
  }
}
