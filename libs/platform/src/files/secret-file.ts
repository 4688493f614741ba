import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, open, unlink } from 'node:fs/promises';

/**
 * Creates `path` holding `content` (mode 0600, whatever the umask) unless it exists; true when this
 * call created it. The content is written and synced to a temporary file first, then link()
 * publishes it whole or fails when another process got there first: nobody ever reads a
 * half-written key. The keys and secrets generated into the data directory all go through here.
 */
export async function publishSecretFile(path: string, content: string): Promise<boolean> {
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const file = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await chmod(temporary, 0o600);
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
