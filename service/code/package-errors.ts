import { ApiError } from '../errors.js';

/** A code package that cannot be accepted; the message says exactly why. */
export const badPackage = (message: string) => new ApiError('invalid_code_package', message, 'code');
