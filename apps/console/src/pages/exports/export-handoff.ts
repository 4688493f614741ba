/**
 * A search's conditions handed to the export page ("export these customers"), in this tab's memory
 * only: names, phones and ID numbers never go into an address, the history or storage. Taken once.
 */
let handed: Record<string, string> | undefined;

export function handToExport(conditions: Record<string, string>): void {
  handed = conditions;
}

export function takeHandedConditions(): Record<string, string> | undefined {
  const conditions = handed;
  handed = undefined;
  return conditions;
}
