export {
  type LockContent,
  readPidLock,
  releasePidLock,
  takePidLock,
  updatePidLock,
} from './pid-lock.ts';
export { isProcessAlive } from './process.ts';
