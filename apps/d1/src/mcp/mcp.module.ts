import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { McpHttpService } from './mcp-http.service';
import { McpNotebooks } from './mcp-notebooks';
import { McpSessions } from './mcp-sessions.service';
import { RunWatch } from './run-watch';

/** The MCP endpoint at /mcp: tools and resources over the services the REST controllers use. */
@Module({
  imports: [NotebooksModule, ExecutionModule],
  providers: [McpNotebooks, RunWatch, McpSessions, McpHttpService],
})
export class McpModule {}
