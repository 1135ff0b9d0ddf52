// What the room core may import: its own modules, the protocol and libraries.
import * as Y from 'yjs';
import { CloseCode } from '@menteo/protocol';
import { isConnectionOrigin } from './origins.ts';

export const uses = [Y.Doc, CloseCode, isConnectionOrigin];
