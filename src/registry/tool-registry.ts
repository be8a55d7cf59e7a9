/**
 * Which component serves which tool. Each component's tools are swapped in
 * one step, so a reload never exposes half a component, and a name exported
 * by two components is refused when the second loads (not when it is called).
 */
import type { ToolDefinition } from '../app/types.js';
import type { ExportedFunction } from '../component/wit-types.js';

export interface RegisteredTool {
  componentId: string;
  definition: ToolDefinition;
  fn: ExportedFunction;
}

export class ToolNameConflictError extends Error {
  constructor(
    readonly toolName: string,
    readonly existingComponent: string,
    readonly newComponent: string,
  ) {
    super(
      `tool '${toolName}' of component '${newComponent}' is already provided by component '${existingComponent}'; ` +
        `unload one of them (tapedeck component unload ${existingComponent}) or load the new one under another id`,
    );
  }
}

export class ToolRegistry {
  private byName = new Map<string, RegisteredTool>();
  private byComponent = new Map<string, RegisteredTool[]>();

  /** Throws ToolNameConflictError (changing nothing) if a name belongs to another component. */
  checkConflicts(componentId: string, tools: RegisteredTool[]): void {
    for (const tool of tools) {
      const existing = this.byName.get(tool.definition.name);
      if (existing && existing.componentId !== componentId) {
        throw new ToolNameConflictError(tool.definition.name, existing.componentId, componentId);
      }
    }
  }

  /** Replaces the component's tools with `tools` in one step. */
  set(componentId: string, tools: RegisteredTool[]): void {
    this.checkConflicts(componentId, tools);
    const next = new Map(this.byName);
    for (const old of this.byComponent.get(componentId) ?? []) next.delete(old.definition.name);
    for (const tool of tools) next.set(tool.definition.name, tool);
    this.byName = next;
    this.byComponent.set(componentId, tools);
  }

  remove(componentId: string): void {
    const tools = this.byComponent.get(componentId);
    if (!tools) return;
    const next = new Map(this.byName);
    for (const tool of tools) next.delete(tool.definition.name);
    this.byName = next;
    this.byComponent.delete(componentId);
  }

  get(name: string): RegisteredTool | undefined {
    return this.byName.get(name);
  }

  toolsOf(componentId: string): RegisteredTool[] {
    return this.byComponent.get(componentId) ?? [];
  }

  all(): RegisteredTool[] {
    return [...this.byName.values()];
  }
}
