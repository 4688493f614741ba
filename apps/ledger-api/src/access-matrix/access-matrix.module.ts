import { Module } from '@nestjs/common';
import { AccessMatrixService } from './access-matrix.service';
import { AccessMatrixHttpController } from './access-matrix.http.controller';

/** The category permission matrix (role × data category × read/write), kept by admin as events. */
@Module({
  controllers: [AccessMatrixHttpController],
  providers: [AccessMatrixService],
  exports: [AccessMatrixService],
})
export class AccessMatrixModule {}
