import { Module } from '@nestjs/common';
import { RfmRecencySweep } from './rfm-recency.sweep';

/** Customer value (RFM) upkeep in the API process: the daily recency sweep. Not in SubjectsModule, which the CLI's in-process runtimes load too. */
@Module({ providers: [RfmRecencySweep], exports: [RfmRecencySweep] })
export class CustomerValueModule {}
