import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { InvalidInput, FieldProblem } from '@pi-ledger/ledger-domain/domain-error';
import type { MergeChoices, MergeSide } from '@pi-ledger/ledger-domain/subject/merge.decider';

const PURPOSE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SIDES: readonly string[] = ['survivor', 'duplicate'] satisfies MergeSide[];

export class MergeDto {
  @ApiProperty({ description: 'The file merged into this one, then closed' }) @IsUUID() duplicateId: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
  @ApiPropertyOptional({
    description: 'Which side wins a field both files hold differently: per category ("survivor" | "duplicate") or per field ({"name": "duplicate"})',
    example: { identity: { name: 'survivor', birthDate: 'duplicate' }, contact: 'duplicate' },
  })
  @IsOptional()
  @IsObject()
  choices?: Record<string, unknown>;
}

/** The choices' shape: a side per category, or a side per field of it (400 naming each wrong member). */
export function mergeChoices(choices: Record<string, unknown> | undefined): MergeChoices {
  const problems: FieldProblem[] = [];
  const isSide = (value: unknown): value is MergeSide => typeof value === 'string' && SIDES.includes(value);
  for (const [category, choice] of Object.entries(choices ?? {})) {
    if (isSide(choice)) continue;
    if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) {
      problems.push({ path: `choices.${category}`, message: 'must be "survivor", "duplicate" or an object of fields' });
      continue;
    }
    for (const [field, side] of Object.entries(choice)) if (!isSide(side)) problems.push({ path: `choices.${category}.${field}`, message: 'must be "survivor" or "duplicate"' });
  }
  if (problems.length > 0) throw new InvalidInput(problems);
  return choices ?? {};
}
