export { SupervisedProcess } from './supervised-process';
export { freePort } from './port';
export { renderTemplate } from './template';
export type { TemplateValue } from './template';
export { killAllSync, signalGroup } from './process-group';
export type {
  ExitInfo,
  ExitRecord,
  ProcessInfo,
  ProcessState,
  ReadinessOptions,
  RestartOptions,
  SupervisedProcessOptions,
  SupervisorEvents,
} from './types';
