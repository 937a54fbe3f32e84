import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { D1_CONFIG, D1Config } from './app-config';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { ErrorFilter } from './common/error.filter';
import { makeValidationPipe } from './common/validation';
import { EventsModule } from './events/events.module';
import { ExecutionModule } from './execution/execution.module';
import { FilesModule } from './files/files.module';
import { KernelsModule } from './kernels/kernels.module';
import { McpModule } from './mcp/mcp.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotebooksModule } from './notebooks/notebooks.module';
import { ServerModule } from './server/server.module';
import { WebModule } from './web/web.module';
import { WebsocketsModule } from './websockets/websockets.module';

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: D1Config): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: D1_CONFIG, useValue: config }],
      exports: [D1_CONFIG],
    };
  }
}

/** Wires d1's modules with the global guard, validation pipe and error filter. */
@Module({})
export class AppModule {
  static forRoot(config: D1Config): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        AuthModule,
        EventsModule,
        ServerModule,
        KernelsModule,
        NotebooksModule,
        ExecutionModule,
        FilesModule,
        WebsocketsModule,
        McpModule,
        WebModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_PIPE, useFactory: makeValidationPipe },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
