import { Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Read, Write } from '../auth/access.decorator';
import { GetOrPost } from '../common/get-or-post.decorator';
import { CellsService } from '../notebooks/cells.service';
import {
  CodeBody,
  CompleteBody,
  DirectoryQuery,
  ExecuteAllQuery,
  InputBody,
  VarOrderBody,
  VarPageQuery,
} from './execution.dto';
import { ExecutionService } from './execution.service';
import { NotebookSession } from './notebook-session.service';
import { D1Body, D1Query, PatchCellBody, UuidPipe } from '../notebooks/notebooks.dto';
import { Fails } from '../common/openapi-errors';
import { Doc, empty, json } from '../common/openapi.decorators';

/** d1's execution and kernel routes under /notebooks/{uuid}, plus cancel and input. */
@ApiTags('execution')
@Controller('notebooks/:uuid')
export class ExecutionController {
  constructor(
    private readonly execution: ExecutionService,
    private readonly session: NotebookSession,
    private readonly cells: CellsService,
  ) {}

  @GetOrPost('cells/:cell_uuid/execute')
  @Write()
  @Doc("Queues a cell for its notebook's kernel; answers at once", json('KernelMessageResponse'))
  execute(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string) {
    return { kernel_message: this.execution.execute(uuid, cell) };
  }

  @Patch('cells/:cell_uuid/execute')
  @Write()
  @Doc('Changes a cell, then queues it', json('CellPatchExecuteResponse'))
  patchAndExecute(
    @Param('uuid', UuidPipe) uuid: string,
    @Param('cell_uuid', UuidPipe) cell: string,
    @D1Body(PatchCellBody) body: PatchCellBody,
  ) {
    const updated = this.cells.patch(uuid, cell, body);
    return { cell: updated, patch: null, kernel_message: this.execution.execute(uuid, cell) };
  }

  @Post('cells/:cell_uuid/cancel')
  @Write()
  @HttpCode(204)
  @Doc('Removes a queued cell from the queue (its reply says aborted)', empty(), Fails.notQueued)
  cancel(@Param('uuid', UuidPipe) uuid: string, @Param('cell_uuid', UuidPipe) cell: string): void {
    this.execution.cancel(uuid, cell);
  }

  @GetOrPost('execute_all')
  @Write()
  @Doc('Queues every code cell in order (or those above/below a position)', json('KernelMessagesResponse'))
  executeAll(@Param('uuid', UuidPipe) uuid: string, @D1Query(ExecuteAllQuery) q: ExecuteAllQuery) {
    return { kernel_messages: this.execution.executeAll(uuid, q.above_position, q.below_position) };
  }

  @GetOrPost('interrupt_kernel')
  @Write()
  @HttpCode(204)
  @Doc('Interrupts the running cell and empties the queue', empty(), Fails.kernelUnavailable)
  async interrupt(@Param('uuid', UuidPipe) uuid: string): Promise<void> {
    await this.execution.interrupt(uuid);
  }

  @GetOrPost('restart_kernel')
  @Write()
  @HttpCode(204)
  @Doc('Restarts the kernel; outputs stay, every cell becomes idle', empty(), Fails.kernelUnavailable)
  async restart(@Param('uuid', UuidPipe) uuid: string): Promise<void> {
    await this.execution.restart(uuid);
  }

  @GetOrPost('restart_kernel_and_clear_output')
  @Write()
  @HttpCode(204)
  @Doc('Restarts the kernel and clears every output', empty(), Fails.kernelUnavailable)
  async restartAndClear(@Param('uuid', UuidPipe) uuid: string): Promise<void> {
    await this.execution.restart(uuid, { clear: true });
  }

  @GetOrPost('restart_kernel_and_execute_all')
  @Write()
  @Doc(
    'Restarts the kernel, clears every output and runs every code cell',
    json('KernelMessagesResponse'),
    Fails.kernelUnavailable,
  )
  async restartAndRunAll(@Param('uuid', UuidPipe) uuid: string) {
    return { kernel_messages: await this.execution.restart(uuid, { runAll: true }) };
  }

  @Post('scratch_execute')
  @HttpCode(200)
  @Write()
  @Doc(
    'Runs code outside any cell; results reach clients only as scratch_update',
    json('KernelMessageResponse'),
    Fails.kernelUnavailable,
  )
  async scratch(@Param('uuid', UuidPipe) uuid: string, @D1Body(CodeBody) body: CodeBody) {
    return { kernel_message: await this.execution.scratch(uuid, body.code) };
  }

  @Post('complete')
  @HttpCode(200)
  @Write()
  @Doc(
    'Asks the kernel for completions; the reply reaches clients as complete_reply',
    json('KernelMessageResponse'),
    Fails.kernelUnavailable,
  )
  async complete(@Param('uuid', UuidPipe) uuid: string, @D1Body(CompleteBody) body: CompleteBody) {
    return { kernel_message: await this.session.complete(uuid, body.code, body.cursor_position) };
  }

  @Post('history')
  @HttpCode(200)
  @Read()
  @Doc(
    'Asks the kernel for its history; the reply reaches clients as history_reply',
    json('KernelMessageResponse'),
    Fails.kernelUnavailable,
  )
  async history(@Param('uuid', UuidPipe) uuid: string) {
    return { kernel_message: await this.session.history(uuid) };
  }

  @Patch('change_working_directory')
  @Write()
  @Doc(
    "Changes the kernel's working directory; clients get the new metadata once it changed",
    json('KernelMessageResponse'),
    Fails.outsideRoot,
    Fails.noDirectory,
    Fails.kernelUnavailable,
  )
  async chdir(@Param('uuid', UuidPipe) uuid: string, @D1Query(DirectoryQuery) q: DirectoryQuery) {
    return { kernel_message: await this.session.changeWorkingDirectory(uuid, q.directory) };
  }

  @Post('input')
  @Write()
  @HttpCode(204)
  @Doc('Answers the input() the kernel waits for', empty(), Fails.noInputWanted)
  input(@Param('uuid', UuidPipe) uuid: string, @D1Body(InputBody) body: InputBody): void {
    this.execution.input(uuid, body.value);
  }

  @Get('vars')
  @Write()
  @Doc('The variables as refreshed after the last execution', json('VarsResponse'))
  async vars(@Param('uuid', UuidPipe) uuid: string) {
    return { vars: await this.session.vars(uuid) };
  }

  @Get('vars/:name')
  @Write()
  @Doc(
    'One variable with a page of its rows (runs introspection code in the kernel)',
    json('SingleVarResponse'),
    Fails.noVariable,
    Fails.variableUnreadable,
    Fails.kernelUnavailable,
  )
  async variable(
    @Param('uuid', UuidPipe) uuid: string,
    @Param('name') name: string,
    @D1Query(VarPageQuery) q: VarPageQuery,
  ) {
    return { single_var: await this.session.variable(uuid, name, q.page ?? 0, q.page_size ?? -1) };
  }

  @Post('vars/:name')
  @Write()
  @HttpCode(200)
  @Doc(
    'One variable with a page of its rows, sorted and filtered',
    json('SingleVarResponse'),
    Fails.noVariable,
    Fails.variableUnreadable,
    Fails.kernelUnavailable,
  )
  async sortedVariable(
    @Param('uuid', UuidPipe) uuid: string,
    @Param('name') name: string,
    @D1Query(VarPageQuery) q: VarPageQuery,
    @D1Body(VarOrderBody) body: VarOrderBody,
  ) {
    const order = { sort_by: body.sort_by, ascending: body.ascending, filters: body.filters };
    return { single_var: await this.session.variable(uuid, name, q.page ?? 0, q.page_size ?? -1, order) };
  }

  @Get('input')
  @Read()
  @Doc('The input() prompt the kernel waits for, or null', json('InputRequestResponse'))
  pendingInput(@Param('uuid', UuidPipe) uuid: string) {
    return { input_request: this.execution.pendingInput(uuid) };
  }
}
