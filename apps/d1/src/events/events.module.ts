import { Global, Module } from '@nestjs/common';
import { NotebookEvents } from './notebook-events';
import { UpgradeRouter } from './upgrade-router';

/** The message bus and the router of websocket upgrades no gateway serves; global, at the bottom. */
@Global()
@Module({
  providers: [NotebookEvents, UpgradeRouter],
  exports: [NotebookEvents, UpgradeRouter],
})
export class EventsModule {}
