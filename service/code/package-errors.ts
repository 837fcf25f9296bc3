import { ApiError } from '../errors.js';

/** A code package that cannot be accepted; the message says exactly why. */
export const badPackage = (message: string) => new ApiError('invalid_code_package', message, 'code');

export const isPackageError = (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'invalid_code_package';

/** A failing system call is the host's problem (a 500), not the package's. */
export const isSystemError = (e: unknown) => typeof (e as NodeJS.ErrnoException | null)?.syscall === 'string';
