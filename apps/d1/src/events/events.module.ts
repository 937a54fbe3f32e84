import { Global, Module } from '@nestjs/common';
import { NotebookEvents } from './notebook-events';

@Global()
@Module({
  providers: [NotebookEvents],
  exports: [NotebookEvents],
})
export class EventsModule {}
