import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { D1Client, IdleWatch, opened } from './support/client';
import { startD1Process } from './support/d1-process';
import { now, ratio, summarize } from './support/stats';

const CODE = '1+1';

/**
 * `1+1` through MCP (the SDK's client calling run_cell over Streamable HTTP, until the tool's answer arrives)
 * against the same run through REST (execute → the idle cell_update at a websocket client), interleaved on
 * one d1, each on a notebook and kernel of its own: what an agent pays for the protocol.
 */
export async function mcp(): Promise<Record<string, unknown>> {
  const n = Number(process.env.BENCH_N ?? 300);
  const warmup = Number(process.env.BENCH_WARMUP ?? 30);
  const d1 = await startD1Process();
  try {
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const restNb = await client.createNotebook('rest.ipynb');
    const restCell = await client.addCell(restNb, CODE);
    const ws = client.socket(restNb);
    await opened(ws);
    const watch = new IdleWatch(ws, restCell);
    const mcpNb = await client.createNotebook('mcp.ipynb');
    const mcpCell = await client.addCell(mcpNb, CODE);
    const transport = new StreamableHTTPClientTransport(new URL(`${d1.baseUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${client.token}` } },
    });
    const agent = new Client({ name: 'bench', version: '1' });
    await agent.connect(transport);
    const rest = async (): Promise<number> => {
      const idle = watch.next();
      const t0 = now();
      await client.execute(restNb, restCell);
      return (await idle) - t0;
    };
    const viaMcp = async (): Promise<number> => {
      const t0 = now();
      const res = await agent.callTool(
        { name: 'run_cell', arguments: { notebook: mcpNb, cell: mcpCell } },
        CallToolResultSchema,
      );
      const ms = now() - t0;
      if (res.isError || (res.structuredContent as { status?: string })?.status !== 'ok')
        throw new Error(`run_cell failed: ${JSON.stringify(res)}`);
      return ms;
    };
    const restMs: number[] = [];
    const mcpMs: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const [a, b] = [await rest(), await viaMcp()];
      if (i >= warmup) {
        restMs.push(a);
        mcpMs.push(b);
      }
    }
    ws.close();
    await transport.terminateSession().catch(() => undefined);
    await agent.close();
    const [r, m] = [summarize(restMs), summarize(mcpMs)];
    return {
      benchmark: 'mcp_run_cell_1plus1',
      unit: 'ms',
      iterations: n,
      warmup,
      order: 'interleaved: one REST run, then one MCP run, per round',
      mcp_run_cell: m,
      rest_execute_to_ws_idle: r,
      ratio_mcp_to_rest: { median: ratio(m.median, r.median), p95: ratio(m.p95, r.p95) },
    };
  } finally {
    await d1.stop();
  }
}
