-- A card an import created or updated says so on its timeline (issue 13).
ALTER TYPE "TimelineKind" ADD VALUE 'IMPORTED';
