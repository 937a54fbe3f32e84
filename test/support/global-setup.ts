import { ensureBuilt } from './built';

/** Once before the end-to-end suites: suites that spawn start-d1 need a current dist/. */
export default function globalSetup(): void {
  ensureBuilt();
}
