/**
 * Models between the extension and the kernel host: the model settings the host opens its
 * session with, the credentials it asks for, the configured-model list the Spawn picker shows,
 * and the bridge to VS Code's language models (vscode.lm), which only the extension host can
 * reach: the host asks the extension to select a chat model and stream a request with tools.
 * The shapes themselves are written once, in src/settings/.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ConfiguredModel, Credentials } from '../settings/models';
import type { LmChatParams, LmChatResult, LmModelList } from '../settings/lm';

export type { ConfiguredModel, Credentials, EndpointSetting, ModelFacts, ModelSettings } from '../settings/models';
export type { LmChatParams, LmChatResult, LmMessage, LmModelList, LmModelView, LmPart } from '../settings/lm';

/** Host → extension requests (model list, credentials, the lm bridge). */
export const toExtensionModels = {
  /** API keys and secret headers from SecretStorage; never logged */
  credentials: new RequestType0<Credentials, void>('aios/credentials'),
  /** the editor's chat models; `available: false` says why (an older editor, no provider) */
  lmModels: new RequestType0<LmModelList, void>('aios/lmModels'),
  /** one chat request; cancelling the JSON-RPC request cancels it in the editor */
  lmChat: new RequestType<LmChatParams, LmChatResult, void>('aios/lmChat'),
} as const;

/** Extension → host requests and notifications of the model layer. */
export const toHostModels = {
  /** models configured in the host's settings and keys, for the Spawn picker */
  models: new RequestType0<ConfiguredModel[], void>('aios/models'),
  /** streamed text of an `lmChat` request, as it arrives */
  lmText: new NotificationType<{ requestId: string; text: string }>('aios/lmText'),
} as const;
