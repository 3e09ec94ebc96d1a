-- Time-based automation triggers, found by the worker's sweep.
ALTER TYPE "AutomationTrigger" ADD VALUE 'IN_STAGE_FOR';
ALTER TYPE "AutomationTrigger" ADD VALUE 'TASK_OVERDUE';
