// Linted as if it sat at several places of the tree (test/lint/house-rules.test.ts).
import { createUpdateLog } from '../persistence/UpdateLog.ts';
import { Router } from 'express';
import { listRoomsForUser } from '@menteo/db';

export const uses = [createUpdateLog, Router, listRoomsForUser];
