import type { Resolution } from '../db/schema';
import { builder } from './builder';

export const AppResolutionEnum = builder.enumType('AppResolution', {
  description: "Where a client stands on an app. `isApproved` is true exactly when this is APPROVED.",
  values: {
    UNRESOLVED: { value: 'unresolved', description: 'Not decided, or approval was removed.' },
    APPROVED: { value: 'approved', description: 'Approved for the client.' },
    RESTRICTED: { value: 'restricted', description: 'Actively blocked for the client.' },
  } as const satisfies Record<string, { value: Resolution; description: string }>,
});
