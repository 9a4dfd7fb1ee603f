import { HTTPFetchError, messagingApi } from "@line/bot-sdk";

/** The Messaging API calls the channel makes, through the official SDK. */
export interface LineApi {
  /** `false` when LINE refuses the token (spent or expired): the caller pushes instead. */
  reply(replyToken: string, texts: string[]): Promise<boolean>;
  /** `duplicate` when LINE already accepted a push with this retry key (HTTP 409): nothing was sent again. */
  push(to: string, texts: string[], retryKey: string): Promise<"sent" | "duplicate">;
  showLoading(userId: string, seconds: number): Promise<void>;
  profileLanguage(userId: string): Promise<string | undefined>;
  /** The file a client sent, or `null` when it is larger than `maxBytes` (then only noted, not attached). */
  content(messageId: string, maxBytes: number): Promise<Buffer | null>;
}

export interface LineApiSettings {
  channelAccessToken: string;
  /** Replaces https://api.line.me (tests, proxies). */
  apiBaseUrl?: string;
  /** Replaces https://api-data.line.me, where message content lives. */
  dataApiBaseUrl?: string;
}

const status = (err: unknown) => (err instanceof HTTPFetchError ? err.status : undefined);
const asText = (texts: string[]) => texts.map((text) => ({ type: "text" as const, text }));

export function lineApi(settings: LineApiSettings): LineApi {
  const client = new messagingApi.MessagingApiClient({ channelAccessToken: settings.channelAccessToken, baseURL: settings.apiBaseUrl });
  const blob = new messagingApi.MessagingApiBlobClient({ channelAccessToken: settings.channelAccessToken, baseURL: settings.dataApiBaseUrl });
  return {
    async reply(replyToken, texts) {
      try {
        await client.replyMessage({ replyToken, messages: asText(texts) });
        return true;
      } catch (err) {
        if (status(err) === 400) return false;
        throw err;
      }
    },
    async push(to, texts, retryKey) {
      try {
        await client.pushMessage({ to, messages: asText(texts) }, retryKey);
        return "sent";
      } catch (err) {
        if (status(err) === 409) return "duplicate";
        throw err;
      }
    },
    async showLoading(userId, seconds) {
      await client.showLoadingAnimation({ chatId: userId, loadingSeconds: seconds });
    },
    async profileLanguage(userId) {
      return (await client.getProfile(userId)).language;
    },
    async content(messageId, maxBytes) {
      const stream = await blob.getMessageContent(messageId);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          stream.destroy();
          return null;
        }
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    },
  };
}
