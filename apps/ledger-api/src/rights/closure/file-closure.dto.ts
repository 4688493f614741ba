import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { RELATIONSHIP_END_REASONS, RelationshipEndReason } from '@pi-ledger/ledger-domain/subject/subject.events';

export class EndRelationshipDto {
  @ApiProperty({
    enum: RELATIONSHIP_END_REASONS,
    description: 'PIPL Art. 47(1): the customer left or the services stopped (`relationship-ended`), or the purpose of processing was fulfilled (`purpose-fulfilled`)',
  })
  @IsIn(RELATIONSHIP_END_REASONS)
  reason: RelationshipEndReason;
}
