import { appendFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { FileClient, UnsafeFileNameError } from './file.client';
import { namesIn, TempFolders } from './testing/file-test-kit';

describe(FileClient.name, () => {
  const temp = new TempFolders();
  afterAll(() => temp.removeAll());

  const setUp = async (pause?: (ms: number) => Promise<void>) => {
    const root = await temp.make();
    const folders = { dropDir: path.join(root, 'drop'), processedDir: path.join(root, 'drop', 'processed'), failedDir: path.join(root, 'drop', 'failed'), outDir: path.join(root, 'out') };
    const sut = new FileClient(folders, { pause });
    await sut.prepareInbound();
    return { sut, ...folders, root };
  };

  it('should not call a file ready while it is still growing (stable-size)', async () => {
    let drop = '';
    const { sut, dropDir } = await setUp(async () => {
      // The writer is still busy between the two checks.
      await appendFile(path.join(drop, 'cdr.csv'), '"more","rows"\n');
    });
    drop = dropDir;
    await writeFile(path.join(dropDir, 'cdr.csv'), '"half","written"\n');
    await expect(sut.isReady('cdr.csv', 'stable-size', 50)).resolves.toBe(false);
  });

  it('should call a file ready once its size stays the same (stable-size)', async () => {
    const { sut, dropDir } = await setUp(async () => undefined);
    await writeFile(path.join(dropDir, 'cdr.csv'), '"a","b"\n');
    await expect(sut.isReady('cdr.csv', 'stable-size', 50)).resolves.toBe(true);
  });

  it('should wait for the marker file (marker)', async () => {
    const { sut, dropDir } = await setUp();
    await writeFile(path.join(dropDir, 'cdr.csv'), '"a","b"\n');
    await expect(sut.isReady('cdr.csv', 'marker', 0)).resolves.toBe(false);
    await writeFile(path.join(dropDir, 'cdr.csv.done'), '');
    await expect(sut.isReady('cdr.csv', 'marker', 0)).resolves.toBe(true);
  });

  it('should hash a file as a stream', async () => {
    const { sut, dropDir } = await setUp();
    await writeFile(path.join(dropDir, 'a.csv'), 'abc');
    await expect(sut.sha256('a.csv')).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('should move a file without overwriting one of the same name', async () => {
    const { sut, dropDir, processedDir } = await setUp();
    await writeFile(path.join(dropDir, 'cdr.csv'), 'first');
    expect(await sut.moveOut('cdr.csv', 'processedDir')).toBe('cdr.csv');
    await writeFile(path.join(dropDir, 'cdr.csv'), 'second');
    expect(await sut.moveOut('cdr.csv', 'processedDir')).toBe('cdr~2.csv');
    expect(await namesIn(processedDir)).toEqual(['cdr.csv', 'cdr~2.csv']);
    expect(await readFile(path.join(processedDir, 'cdr.csv'), 'utf8')).toBe('first');
    expect(await namesIn(dropDir)).toEqual(['failed', 'processed']);
  });

  it.each(['../outside.csv', '..', 'sub/x.csv', 'a\u0007.csv', '.hidden'])('should refuse to touch %j', async (name) => {
    const { sut } = await setUp();
    await expect(sut.sha256(name)).rejects.toThrow(UnsafeFileNameError);
    await expect(sut.moveOut(name, 'failedDir')).rejects.toThrow(UnsafeFileNameError);
    await expect(sut.writeOut(name, Buffer.from('x'))).rejects.toThrow(UnsafeFileNameError);
  });

  it('should list only regular files of the drop folder', async () => {
    const { sut, dropDir, root } = await setUp();
    await writeFile(path.join(dropDir, 'b.csv'), '');
    await writeFile(path.join(dropDir, 'a.csv'), '');
    await mkdir(path.join(dropDir, 'sub'));
    await writeFile(path.join(root, 'secret.txt'), 'secret');
    await symlink(path.join(root, 'secret.txt'), path.join(dropDir, 'link.csv'));
    expect(await sut.list()).toEqual(['a.csv', 'b.csv']);
  });

  it('should write an outbound file atomically, leaving no temp file', async () => {
    const { sut, outDir } = await setUp();
    const written = await sut.writeOut('usage.priced-1.csv', Buffer.from('a,b\n'));
    expect(written).toBe(path.join(outDir, 'usage.priced-1.csv'));
    expect(await namesIn(outDir)).toEqual(['usage.priced-1.csv']);
  });

  it('should report a missing drop folder', async () => {
    const sut = new FileClient({ dropDir: '/nonexistent/bus-drop' });
    await expect(sut.problem()).resolves.toMatch(/dropDir \/nonexistent\/bus-drop: ENOENT/);
  });
});
