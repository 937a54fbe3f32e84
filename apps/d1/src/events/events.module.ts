import { Global, Module } from '@nestjs/common';
import { NotebookEvents } from './notebook-events';

/** The message bus; global, at the bottom of the house. */
@Global()
@Module({
  providers: [NotebookEvents],
  exports: [NotebookEvents],
})
export class EventsModule {}
