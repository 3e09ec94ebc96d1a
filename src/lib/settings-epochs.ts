// Every change of roles, field access, a user's role or teams, or field definitions goes
// through the outbox as `settingsChanged`; each instance counts those per workspace, so a live
// subscription can tell that the rights it started with may have changed (modules/auth/live-viewer.ts).
export class SettingsEpochs {
  private readonly epochs = new Map<string, number>();
  epoch(workspaceId: string) {
    return this.epochs.get(workspaceId) ?? 0;
  }
  bump(workspaceId: string) {
    this.epochs.set(workspaceId, this.epoch(workspaceId) + 1);
  }
}
