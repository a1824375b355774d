import { ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import { KernelError } from '../kernel/errors';
import { KERNEL_ERROR_CODES } from '../protocol/errorCodes';

/** A kernel error as the protocol carries it: its number from the table, its message, its string code as data. */
export function toResponseError(err: unknown): unknown {
  if (!(err instanceof KernelError)) return err;
  const code = KERNEL_ERROR_CODES[err.code];
  return code === undefined ? err : new ResponseError(code, err.message, { kernelCode: err.code });
}

/**
 * The connection with every request handler's kernel errors mapped to their protocol codes, in
 * one place instead of in each handler. Only `onRequest` is wrapped; everything else is the connection.
 */
export function withKernelErrorCodes(connection: MessageConnection): Pick<MessageConnection, 'onRequest'> {
  return {
    onRequest: ((type: unknown, handler: (...args: unknown[]) => unknown) => {
      const mapped = async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          throw toResponseError(err);
        }
      };
      return (connection.onRequest as (t: unknown, h: unknown) => unknown)(type, mapped);
    }) as MessageConnection['onRequest'],
  };
}
