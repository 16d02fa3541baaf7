import { ApiError, h } from './common.ts';

/**
 * Downloads a file of the API with the page's credentials (the session cookie goes by itself;
 * a bearer token or the CSRF token in `headers`): fetched, then handed to the browser through
 * a blob link. Returns the file's name (the service's content-disposition, else `fallback`).
 */
export async function downloadFile(
  url: string,
  headers: Record<string, string>,
  fallback: string,
): Promise<string> {
  const res = await fetch(url, { headers });
  if (!res.ok) {
    const env = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new ApiError(
      res.status,
      env.error ?? `HTTP_${res.status}`,
      env.message ?? res.statusText,
    );
  }
  const named = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const file = named ?? fallback;
  const href = URL.createObjectURL(await res.blob());
  const a = h('a', { href, download: file, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return file;
}
