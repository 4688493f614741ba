/** Saves a file the API made (fetched with the bearer token, so never a plain link) as the browser's download under `name`. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // the download has begun by now; the blob: address goes with the page's next tasks
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
