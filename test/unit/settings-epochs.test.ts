// What an instance keeps of a workspace's settings across requests (src/lib/settings-epochs.ts):
// a read that raced a settings change of its workspace is not kept; one that raced another
// workspace's change is, when it knows its workspace beforehand (a list of the workspace's
// settings), and is not when only its answer tells (a token's row).
import { describe, expect, test } from 'vitest';
import { SettingsEpochs } from '../../src/lib/settings-epochs.js';

/** A read the test answers when it likes, counting how often it was started. */
function reads<T>() {
  const started: ((v: T) => void)[] = [];
  return {
    read: () => new Promise<T>((resolve) => started.push(resolve)),
    get count() {
      return started.length;
    },
    answer: (v: T) => started.shift()!(v),
  };
}

describe('settings kept across requests', () => {
  test("a workspace's list read while another workspace's settings changed is kept; one read while its own changed is not", async () => {
    const epochs = new SettingsEpochs();
    const lists = reads<string[]>();
    const first = epochs.keptList('ws-a', 'hooks', lists.read);
    epochs.bump('ws-b');
    lists.answer(['a1']);
    expect(await first).toEqual(['a1']);
    // Kept: answered without a read (a read starts at once, before the call's first await).
    const kept = epochs.keptList('ws-a', 'hooks', lists.read);
    expect(lists.count).toBe(0);
    expect(await kept).toEqual(['a1']);

    // Its own workspace changes while it is read: read again next time.
    epochs.bump('ws-a');
    const during = epochs.keptList('ws-a', 'hooks', lists.read);
    epochs.bump('ws-a');
    lists.answer(['a1', 'a2']);
    expect(await during).toEqual(['a1', 'a2']);
    const again = epochs.keptList('ws-a', 'hooks', lists.read);
    expect(lists.count).toBe(1);
    lists.answer(['a1', 'a2']);
    expect(await again).toEqual(['a1', 'a2']);
    const keptAgain = epochs.keptList('ws-a', 'hooks', lists.read);
    expect(lists.count).toBe(0);
    expect(await keptAgain).toEqual(['a1', 'a2']);
  });

  test("a token's row, whose workspace only its answer tells, read while any workspace's settings changed is not kept", async () => {
    const epochs = new SettingsEpochs();
    const rows = reads<{ workspaceId: string }>();
    const first = epochs.kept('token', rows.read, (r) => r.workspaceId);
    epochs.bump('ws-b');
    rows.answer({ workspaceId: 'ws-a' });
    await first;
    const second = epochs.kept('token', rows.read, (r) => r.workspaceId);
    expect(rows.count).toBe(1);
    rows.answer({ workspaceId: 'ws-a' });
    await second;
    const kept = epochs.kept('token', rows.read, (r) => r.workspaceId);
    expect(rows.count).toBe(0);
    expect(await kept).toEqual({ workspaceId: 'ws-a' });
  });

  test('after three settings changes of this instance, nothing of the workspace is kept until all three events came back', async () => {
    const epochs = new SettingsEpochs();
    const lists = reads<string[]>();
    for (let i = 0; i < 3; i++) epochs.changing('ws-a');
    // The first two events back: a read now is not kept (the third change's event is on its way).
    epochs.bump('ws-a');
    epochs.bump('ws-a');
    expect(epochs.settling('ws-a')).toBe(true);
    const early = epochs.keptList('ws-a', 'hooks', lists.read);
    lists.answer(['a1']);
    expect(await early).toEqual(['a1']);
    const next = epochs.keptList('ws-a', 'hooks', lists.read);
    expect(lists.count).toBe(1);
    lists.answer(['a1']);
    await next;
    // The third back: settled, and the next read is kept.
    epochs.bump('ws-a');
    expect(epochs.settling('ws-a')).toBe(false);
    const read = epochs.keptList('ws-a', 'hooks', lists.read);
    lists.answer(['a1', 'a2']);
    expect(await read).toEqual(['a1', 'a2']);
    expect(await epochs.keptList('ws-a', 'hooks', lists.read)).toEqual(['a1', 'a2']);
    expect(lists.count).toBe(0);
  });
});
